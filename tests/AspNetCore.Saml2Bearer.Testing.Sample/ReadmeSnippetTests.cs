namespace ResourceApi.Tests;

/// <summary>The README's "Testing your API" snippet is this project's WhoAmITests.cs, so it compiles and passes.</summary>
public sealed class ReadmeSnippetTests
{
    [Fact]
    public void TestingYourApiSection_ShowsWhoAmITestsExactly()
    {
        var root = FindRepositoryRoot();
        var readme = Normalize(File.ReadAllText(Path.Combine(root, "README.md")));
        var file = Normalize(File.ReadAllText(Path.Combine(root, "tests", "AspNetCore.Saml2Bearer.Testing.Sample", "WhoAmITests.cs")));

        var section = readme.IndexOf("\n## Testing your API\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '## Testing your API' section.");
        var start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var end = readme.IndexOf("```\n", start, StringComparison.Ordinal);
        Assert.Equal(file, readme[start..end]);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AspNetCore.Saml2Bearer.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (AspNetCore.Saml2Bearer.sln) was not found above " + AppContext.BaseDirectory);
    }
}
