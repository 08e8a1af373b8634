using System.Reflection;
using System.Text.RegularExpressions;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Tests.Readme;

/// <summary>The README says only what is true: its quickstart is the sample CI builds, its configuration reference is the binder's.</summary>
public sealed partial class ReadmeTests
{
    [Fact]
    public void Quickstart_CSharpBlock_IsSamplesQuickstartProgram()
    {
        var block = RepositoryFiles.FencedBlock(RepositoryFiles.ReadmeSection("## Quickstart"), "csharp");

        Assert.Equal(RepositoryFiles.Read("samples/Quickstart/Program.cs").TrimEnd() + "\n", block);
    }

    [Fact]
    public void Quickstart_JsonBlock_IsSamplesQuickstartAppSettings()
    {
        var block = RepositoryFiles.FencedBlock(RepositoryFiles.ReadmeSection("## Quickstart"), "json");

        Assert.Equal(RepositoryFiles.Read("samples/Quickstart/appsettings.json").TrimEnd() + "\n", block);
    }

    [Fact]
    public void ConfigurationReference_ListsEveryBindableKey()
    {
        var documented = DocumentedKeys();

        var missing = Saml2BearerConfigurationKey.Patterns().Where(k => !documented.Contains(k)).ToList();

        Assert.True(missing.Count == 0, "The README's configuration reference lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void ConfigurationReference_ListsOnlyBindableKeys()
    {
        var known = Saml2BearerConfigurationKey.Patterns().ToHashSet(StringComparer.Ordinal);

        var unknown = DocumentedKeys().Where(k => !known.Contains(k)).ToList();

        Assert.True(unknown.Count == 0, "The README's configuration reference lists keys the binder does not read: " + string.Join(", ", unknown));
    }

    [Theory]
    [InlineData(typeof(Saml2BearerOptions), "")]
    [InlineData(typeof(Saml2AssertionValidationParameters), "Assertion")]
    public void Options_EverySettingOfASimpleType_IsBindable(Type optionsType, string section)
    {
        var depth = section.Length == 0 ? 0 : 1;
        var names = Saml2BearerConfigurationKey.Patterns()
            .Select(p => p.Split(':'))
            .Where(k => k.Length > depth && (depth == 0 || k[0] == section))
            .Select(k => k[depth])
            .ToHashSet(StringComparer.Ordinal);

        var unbound = optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => IsSimple(p.PropertyType) && (p.CanWrite || p.PropertyType.IsInterface))
            .Select(p => p.Name)
            .Where(name => !names.Contains(name))
            .ToList();

        Assert.True(unbound.Count == 0, $"Settings of {optionsType.Name} with no configuration key: " + string.Join(", ", unbound));
    }

    private static bool IsSimple(Type type) =>
        type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(TimeSpan) || type.IsEnum
        || type == typeof(IList<string>) || type == typeof(IDictionary<string, string>);

    // The first column of each row of the configuration reference: every `code span`, split on ", ".
    private static HashSet<string> DocumentedKeys()
    {
        var rows = RepositoryFiles.ReadmeSection("## Configuration reference").Where(l => l.StartsWith("| `", StringComparison.Ordinal));
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var firstColumn = row.Split('|')[1];
            foreach (Match match in CodeSpan().Matches(firstColumn))
            {
                keys.Add(match.Groups[1].Value);
            }
        }

        return keys;
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
