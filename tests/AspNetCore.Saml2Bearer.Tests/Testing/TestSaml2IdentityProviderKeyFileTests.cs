using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Testing;

/// <summary>
/// <see cref="TestSaml2IdentityProvider.LoadOrCreate"/> keeps a development identity provider's key in a PEM file,
/// created on first use, so its certificate survives restarts; a corrupt file is a clear error.
/// </summary>
public sealed class TestSaml2IdentityProviderKeyFileTests
{
    [Fact]
    public async Task LoadOrCreate_TwoInstancesOnOnePath_ShareTheCertificate()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "dev", "idp.pem");

        using var first = TestSaml2IdentityProvider.LoadOrCreate(path);
        using var second = TestSaml2IdentityProvider.LoadOrCreate(path);

        Assert.True(File.Exists(path));
        Assert.Equal(first.SigningCertificate.Thumbprint, second.SigningCertificate.Thumbprint);
        // What the second signs, the first's certificate verifies: the key came back too.
        var result = await new Saml2AssertionValidator(first.CreateValidationParameters()).ValidateAsync(second.IssueAssertion());
        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public void LoadOrCreate_FreshInstance_HasADifferentCertificate()
    {
        using var directory = new TemporaryDirectory();

        using var persisted = TestSaml2IdentityProvider.LoadOrCreate(Path.Combine(directory.Path, "idp.pem"));
        using var fresh = new TestSaml2IdentityProvider();

        Assert.NotEqual(persisted.SigningCertificate.Thumbprint, fresh.SigningCertificate.Thumbprint);
    }

    [Fact]
    public void LoadOrCreate_NewFile_HoldsCertificateAndPrivateKeyReadableByTheOwnerOnly()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "idp.pem");

        using var idp = TestSaml2IdentityProvider.LoadOrCreate(path);

        var text = File.ReadAllText(path);
        Assert.Contains("-----BEGIN CERTIFICATE-----", text, StringComparison.Ordinal);
        Assert.Contains("-----BEGIN PRIVATE KEY-----", text, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(directory.Path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void LoadOrCreate_FileIsTheAppsSigningCertificate_ConfigurationLoadsTheSameCertificate()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "idp.pem");
        using var idp = TestSaml2IdentityProvider.LoadOrCreate(path);

        var certificate = Assert.Single(Saml2SigningCertificates.LoadPemFile(path));

        Assert.Equal(idp.SigningCertificate.Thumbprint, certificate.Thumbprint);
        Assert.False(certificate.HasPrivateKey);
    }

    [Fact]
    public async Task LoadOrCreate_EcdsaFileLoadedAsRsa_KeepsTheFilesEcdsaKey()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "idp.pem");
        using (TestSaml2IdentityProvider.LoadOrCreate(path, keyType: TestSaml2KeyType.Ecdsa))
        {
        }

        using var reloaded = TestSaml2IdentityProvider.LoadOrCreate(path, keyType: TestSaml2KeyType.Rsa);

        Assert.Equal("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", reloaded.SignatureAlgorithm);
        var result = await new Saml2AssertionValidator(reloaded.CreateValidationParameters()).ValidateAsync(reloaded.IssueAssertion());
        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Theory]
    [InlineData("not a PEM file")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    public void LoadOrCreate_CorruptFile_ThrowsNamingTheFileAndTheRemedy(string content)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.WriteFile("idp.pem", content);

        var exception = Assert.Throws<InvalidOperationException>(() => TestSaml2IdentityProvider.LoadOrCreate(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
        Assert.Contains("Delete the file", exception.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void LoadOrCreate_CertificateWithoutItsKey_Throws()
    {
        using var directory = new TemporaryDirectory();
        using var idp = new TestSaml2IdentityProvider();
        var path = directory.WriteFile("idp.pem", idp.ExportSigningCertificatePem());

        var exception = Assert.Throws<InvalidOperationException>(() => TestSaml2IdentityProvider.LoadOrCreate(path));

        Assert.Contains("private key", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAuthorizationHeader_Always_IsTheSamlSchemeWithAnAssertionForTheName()
    {
        using var idp = new TestSaml2IdentityProvider();

        var header = idp.CreateAuthorizationHeader("carol@example.com");

        Assert.Equal("SAML", header.Scheme);
        Assert.Equal("SAML " + header.Parameter, header.ToString());
        var result = await new Saml2AssertionValidator(idp.CreateValidationParameters()).ValidateAsync(header.Parameter!);
        Assert.Equal("carol@example.com", result.Assertion!.NameId.Value);
    }
}
