using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// Runs <c>samlsign</c> (Debian's opensaml-tools: OpenSAML-C on Santuario's xml-security-c and Xerces-C),
/// a third XML-DSig implementation, on files in a private temporary directory deleted afterwards. A
/// missing samlsign fails the calling test with a message saying how to install it: never skipped.
/// </summary>
public static class Samlsign
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Signs the unsigned SAML object <paramref name="document"/> (RSA-SHA256 is not samlsign's default, so it is asked for).</summary>
    /// <returns>The signed document samlsign writes.</returns>
    public static async Task<byte[]> SignAsync(byte[] document, RSA privateKey, X509Certificate2 certificate)
    {
        var directory = Directory.CreateTempSubdirectory("saml2bearer-samlsign-");
        try
        {
            // Absolute paths: samlsign resolves relative ones against /etc/opensaml.
            var keyPath = Path.Combine(directory.FullName, "key.pem");
            await File.WriteAllTextAsync(keyPath, privateKey.ExportPkcs8PrivateKeyPem());
            var certificatePath = Path.Combine(directory.FullName, "cert.pem");
            await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
            var inputPath = Path.Combine(directory.FullName, "unsigned.xml");
            await File.WriteAllBytesAsync(inputPath, document);

            var executable = FindOnPath("samlsign") ?? throw new InvalidOperationException(
                "samlsign was not found on PATH. The Santuario interoperability tests need it and are never skipped: "
                + "install the Debian package opensaml-tools (apt-get install opensaml-tools), or run build/test.sh, which installs it.");
            var startInfo = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-s", "-k", keyPath, "-c", certificatePath, "-f", inputPath, "-alg", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "-dig", "http://www.w3.org/2001/04/xmlenc#sha256" })
            {
                startInfo.ArgumentList.Add(argument);
            }

            using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"samlsign at {executable} could not be started.");
            using var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
            var standardError = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(ProcessTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"samlsign did not exit within {ProcessTimeout}.");
            }

            await copy;
            if (process.ExitCode != 0 || output.Length == 0)
            {
                throw new InvalidOperationException($"samlsign -s failed with exit code {process.ExitCode}: {await standardError}");
            }

            return output.ToArray();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
