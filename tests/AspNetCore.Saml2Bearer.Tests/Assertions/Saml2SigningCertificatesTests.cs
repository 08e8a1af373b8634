using System.Text;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

public sealed class Saml2SigningCertificatesTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>, IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public void LoadPemFile_OneCertificate_ReturnsThatCertificate()
    {
        var path = _directory.WriteFile("idp.pem", fixture.IdpKey.Certificate.ExportCertificatePem());

        var certificates = Saml2SigningCertificates.LoadPemFile(path);

        var certificate = Assert.Single(certificates);
        Assert.Equal(fixture.IdpKey.Certificate.RawData, certificate.RawData);
        Assert.False(certificate.HasPrivateKey);
    }

    [Fact]
    public void LoadPemFile_TwoCertificates_ReturnsBothInFileOrder()
    {
        using var next = TestSigningKey.CreateRsa("CN=Trusted IdP next");
        var path = _directory.WriteFile("idp.pem", fixture.IdpKey.Certificate.ExportCertificatePem() + "\n" + next.Certificate.ExportCertificatePem());

        var certificates = Saml2SigningCertificates.LoadPemFile(path);

        Assert.Equal([fixture.IdpKey.Certificate.Thumbprint, next.Certificate.Thumbprint], certificates.Select(c => c.Thumbprint));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task LoadPemFile_TwoCertificatesForRollover_AssertionSignedByEitherKeyIsAccepted(int signer)
    {
        using var next = TestSigningKey.CreateRsa("CN=Trusted IdP next");
        var path = _directory.WriteFile("idp.pem", fixture.IdpKey.Certificate.ExportCertificatePem() + "\n" + next.Certificate.ExportCertificatePem());
        var validator = CreateValidator(Saml2SigningCertificates.LoadPemFile(path));

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(signer == 0 ? fixture.IdpKey : next));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task LoadPemFile_OneCertificate_AssertionSignedByAnotherKeyIsRejected()
    {
        var path = _directory.WriteFile("idp.pem", fixture.IdpKey.Certificate.ExportCertificatePem());
        var validator = CreateValidator(Saml2SigningCertificates.LoadPemFile(path));

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.AttackerKey));

        Assert.Equal(Saml2AssertionFailureReason.SigningKeyNotTrusted, result.FailureReason);
    }

    [Fact]
    public void LoadPemFile_PrivateKeyNextToCertificate_DropsThePrivateKey()
    {
        var pem = fixture.IdpKey.PrivateKey.ExportPkcs8PrivateKeyPem() + "\n" + fixture.IdpKey.Certificate.ExportCertificatePem();
        var path = _directory.WriteFile("idp-with-key.pem", pem);

        var certificates = Saml2SigningCertificates.LoadPemFile(path);

        var certificate = Assert.Single(certificates);
        Assert.False(certificate.HasPrivateKey);
        Assert.Equal(fixture.IdpKey.Certificate.RawData, certificate.RawData);
    }

    [Fact]
    public void LoadPemFile_MissingFile_ThrowsNamingThePath()
    {
        var path = Path.Combine(_directory.Path, "missing.pem");

        var exception = Assert.Throws<InvalidOperationException>(() => Saml2SigningCertificates.LoadPemFile(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPemFile_NoCertificateBlock_ThrowsNamingThePathButNotTheContent()
    {
        const string content = "this is not a certificate: s3cr3t-value";
        var path = _directory.WriteFile("bad.pem", content);

        var exception = Assert.Throws<InvalidOperationException>(() => Saml2SigningCertificates.LoadPemFile(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPemFile_OnlyAPrivateKey_ThrowsAndDoesNotEchoTheKey()
    {
        var pem = fixture.IdpKey.PrivateKey.ExportPkcs8PrivateKeyPem();
        var path = _directory.WriteFile("key-only.pem", pem);

        var exception = Assert.Throws<InvalidOperationException>(() => Saml2SigningCertificates.LoadPemFile(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
        var base64Line = pem.Split('\n')[1];
        Assert.DoesNotContain(base64Line, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPemFile_CertificateBlockThatIsNotACertificate_ThrowsNamingThePath()
    {
        var pem = "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(Encoding.ASCII.GetBytes("not a DER certificate at all")) + "\n-----END CERTIFICATE-----\n";
        var path = _directory.WriteFile("corrupt.pem", pem);

        var exception = Assert.Throws<InvalidOperationException>(() => Saml2SigningCertificates.LoadPemFile(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
        Assert.Contains("block 1", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromBase64Der_WrappedBase64_ReturnsCertificateThatValidates()
    {
        var base64 = Convert.ToBase64String(fixture.IdpKey.Certificate.RawData, Base64FormattingOptions.InsertLineBreaks);

        var certificate = Saml2SigningCertificates.FromBase64Der(base64);

        Assert.False(certificate.HasPrivateKey);
        var result = await CreateValidator([certificate]).ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey));
        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("bm90IGEgY2VydGlmaWNhdGU=")]
    public void FromBase64Der_InvalidValue_ThrowsWithoutEchoingIt(string value)
    {
        var exception = Assert.Throws<InvalidOperationException>(() => Saml2SigningCertificates.FromBase64Der(value));

        Assert.DoesNotContain(value, exception.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();

    private Saml2AssertionValidator CreateValidator(IEnumerable<System.Security.Cryptography.X509Certificates.X509Certificate2> certificates)
    {
        var parameters = new Saml2AssertionValidationParameters { TimeProvider = fixture.Time };
        parameters.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, [.. certificates]);
        parameters.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        parameters.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        return new Saml2AssertionValidator(parameters);
    }
}
