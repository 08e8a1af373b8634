using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tool.Tests;

/// <summary>
/// A folder with what an operator has at hand: the app's appsettings.json trusting a test identity provider
/// (its certificate in a PEM file beside it) and assertion files; the tool runs in process on a fixed clock.
/// </summary>
public sealed class ToolWorkspace : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public const string TokenEndpoint = "https://as.test/connect/token";

    public ToolWorkspace()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("saml2bearer-tool-tests-").FullName;
        Time = new FakeTimeProvider(Now);
        IdentityProvider = new TestSaml2IdentityProvider(timeProvider: Time);
        CertificatePath = Path.Combine(Directory, "idp.pem");
        File.WriteAllText(CertificatePath, IdentityProvider.ExportSigningCertificatePem());
        ConfigPath = WriteConfig(Saml2BearerDefaults.AuthenticationScheme);
    }

    public string Directory { get; }

    public FakeTimeProvider Time { get; }

    public TestSaml2IdentityProvider IdentityProvider { get; }

    public string CertificatePath { get; }

    public string ConfigPath { get; }

    /// <summary>Writes an appsettings file whose scheme trusts <see cref="IdentityProvider"/>, with extra assertion keys.</summary>
    public string WriteConfig(string scheme, IDictionary<string, object>? assertion = null, string fileName = "appsettings.json")
    {
        var assertionSection = new Dictionary<string, object>
        {
            ["ValidIssuers"] = new[] { IdentityProvider.EntityId },
            ["SigningCertificates"] = new[] { CertificatePath },
            ["ValidAudiences"] = new[] { IdentityProvider.DefaultAudience },
        };
        foreach (var (key, value) in assertion ?? new Dictionary<string, object>())
        {
            assertionSection[key] = value;
        }

        var settings = new Dictionary<string, object>
        {
            ["Authentication"] = new Dictionary<string, object>
            {
                ["Schemes"] = new Dictionary<string, object>
                {
                    [scheme] = new Dictionary<string, object>
                    {
                        ["TokenEndpoint"] = TokenEndpoint,
                        ["ClientId"] = "orders-api",
                        ["Assertion"] = assertionSection,
                    },
                },
            },
        };
        var path = Path.Combine(Directory, fileName);
        File.WriteAllText(path, JsonSerializer.Serialize(settings));
        return path;
    }

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public Task<(int ExitCode, string Output)> RunAsync(params string[] args) => RunWithInputAsync(string.Empty, args);

    public async Task<(int ExitCode, string Output)> RunWithInputAsync(string standardInput, params string[] args)
    {
        using var output = new StringWriter();
        using var input = new StringReader(standardInput);
        var exitCode = await Saml2BearerTool.RunAsync(args, output, Time, input, CancellationToken.None);
        return (exitCode, output.ToString());
    }

    public async Task<(int ExitCode, string Output)> CheckAsync(string assertionFileContent)
    {
        var file = WriteFile("assertion.txt", assertionFileContent);
        return await RunAsync("check", "--config", ConfigPath, file);
    }

    public void Dispose()
    {
        IdentityProvider.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
