using System.Security.Cryptography.X509Certificates;

namespace AspNetCore.Saml2Bearer.Fuzz;

/// <summary>
/// The public certificates the seed corpus was signed with, by issuer, in a text file written beside the
/// corpus: one <c>entityId TAB base64(DER)</c> a line. Keys are generated per corpus; no private key is
/// ever written.
/// </summary>
internal static class TrustedCertificates
{
    public static void Write(string path, IEnumerable<(string EntityId, X509Certificate2 Certificate)> trusted)
    {
        var lines = trusted.Select(t => t.EntityId + "\t" + Convert.ToBase64String(t.Certificate.RawData));
        File.WriteAllLines(path, lines);
    }

    public static List<(string EntityId, X509Certificate2 Certificate)> Read(string path) =>
        File.ReadAllLines(path)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t', 2))
            .Select(parts => (parts[0], X509CertificateLoader.LoadCertificate(Convert.FromBase64String(parts[1]))))
            .ToList();
}
