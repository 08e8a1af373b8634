using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// Keeps a <see cref="TestSigningKey"/> in a PEM file (certificate, then unencrypted PKCS#8 private key), so a
/// development identity provider keeps its certificate across restarts.
/// </summary>
internal static class TestSigningKeyFile
{
    /// <summary>
    /// Reads the key from <paramref name="path"/>, or creates one with <paramref name="create"/> and writes it
    /// there. The file appears whole or not at all (written aside, then moved into place without overwriting),
    /// so two processes starting together end up with the same key.
    /// </summary>
    public static TestSigningKey LoadOrCreate(string path, Func<TestSigningKey> create)
    {
        path = Path.GetFullPath(path);
        if (File.Exists(path))
        {
            return Load(path);
        }

        var key = create();
        try
        {
            var directory = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(directory);
            var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(key.Certificate.ExportCertificatePem());
                writer.Write('\n');
                writer.Write(key.PrivateKey.ExportPkcs8PrivateKeyPem());
                writer.Write('\n');
            }

            try
            {
                File.Move(temporary, path, overwrite: false);
                return key;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process wrote the file first: use its key, so both sign alike.
                File.Delete(temporary);
                key.Dispose();
                return Load(path);
            }
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static TestSigningKey Load(string path)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(path);
        }
        catch (Exception exception) when (exception is CryptographicException or ArgumentException)
        {
            throw Corrupt(path, exception);
        }

        return TestSigningKey.FromCertificate(certificate) ?? throw Corrupt(path, null);
    }

    private static InvalidOperationException Corrupt(string path, Exception? inner) =>
        new($"The test identity provider's key file '{path}' does not hold a PEM certificate and its matching RSA or ECDSA private key "
            + "(PKCS#8 'PRIVATE KEY', unencrypted). Delete the file to have a new key and certificate created, "
            + "and give the new certificate to the applications that trust this identity provider.", inner);
}
