using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// Runs xmlsec1, an XML-DSig implementation independent of .NET (libxmlsec1 on libxml2 and OpenSSL),
/// on files in a private temporary directory that is deleted afterwards. A missing xmlsec1 fails the
/// calling test with a message saying how to install it: interoperability is never skipped.
/// </summary>
public static class Xmlsec1
{
    /// <summary>The <c>--id-attr</c> node: the <c>ID</c> attribute of <c>saml:Assertion</c> is an XML ID.</summary>
    public const string AssertionIdNode = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion";

    /// <summary>The <c>--id-attr</c> node of SAML 1.1: the <c>AssertionID</c> attribute of <c>saml1:Assertion</c> is an XML ID.</summary>
    public const string Saml11AssertionIdNode = "urn:oasis:names:tc:SAML:1.0:assertion:Assertion";

    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<string?> Executable = new(() => FindOnPath("xmlsec1"));

    /// <summary>Signs <paramref name="template"/> (a document with an empty <c>ds:Signature</c> skeleton).</summary>
    /// <returns>The bytes xmlsec1 wrote.</returns>
    public static async Task<byte[]> SignAsync(byte[] template, AsymmetricAlgorithm privateKey)
    {
        var directory = Directory.CreateTempSubdirectory("saml2bearer-xmlsec1-");
        try
        {
            // CreateTempSubdirectory makes the directory readable by its owner only (0700 on Unix).
            var keyPath = Path.Combine(directory.FullName, "key.pem");
            await File.WriteAllTextAsync(keyPath, privateKey.ExportPkcs8PrivateKeyPem());
            var templatePath = Path.Combine(directory.FullName, "template.xml");
            await File.WriteAllBytesAsync(templatePath, template);
            var outputPath = Path.Combine(directory.FullName, "signed.xml");

            var result = await RunAsync(
                "--sign", "--privkey-pem", keyPath, "--id-attr:ID", AssertionIdNode, "--id-attr:AssertionID", Saml11AssertionIdNode, "--output", outputPath, templatePath);
            if (result.ExitCode != 0 || !File.Exists(outputPath))
            {
                throw new InvalidOperationException($"xmlsec1 --sign failed with exit code {result.ExitCode}: {result.StandardError}");
            }

            return await File.ReadAllBytesAsync(outputPath);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Verifies the enveloped signature of <paramref name="signedDocument"/> with the key of <paramref name="certificate"/>.</summary>
    public static async Task<Xmlsec1Result> VerifyAsync(byte[] signedDocument, X509Certificate2 certificate)
    {
        var directory = Directory.CreateTempSubdirectory("saml2bearer-xmlsec1-");
        try
        {
            var certificatePath = Path.Combine(directory.FullName, "cert.pem");
            await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
            var documentPath = Path.Combine(directory.FullName, "signed.xml");
            await File.WriteAllBytesAsync(documentPath, signedDocument);

            return await RunAsync("--verify", "--pubkey-cert-pem", certificatePath, "--id-attr:ID", AssertionIdNode, "--id-attr:AssertionID", Saml11AssertionIdNode, documentPath);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<Xmlsec1Result> RunAsync(params string[] arguments)
    {
        var executable = Executable.Value ?? throw new InvalidOperationException(
            "xmlsec1 was not found on PATH. The XML-DSig interoperability tests need it and are never skipped: "
            + "install the Debian package xmlsec1 (apt-get install xmlsec1), or run build/test.sh, which installs it.");

        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"xmlsec1 at {executable} could not be started.");
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"xmlsec1 did not exit within {ProcessTimeout}.");
        }

        return new Xmlsec1Result(process.ExitCode, await standardOutput, await standardError);
    }

    private static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (directory.Length == 0)
            {
                continue;
            }

            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>How an xmlsec1 run ended.</summary>
public sealed record Xmlsec1Result(int ExitCode, string StandardOutput, string StandardError);
