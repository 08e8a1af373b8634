using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.IdentityModel.Protocols;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

public sealed class Saml2MetadataRetrieverTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>, IDisposable
{
    private const string Issuer = Saml2AssertionBuilder.DefaultIssuer;
    private const string MetadataAddress = "https://idp.example/metadata";

    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public void Read_EntityDescriptor_ReturnsEntityIdAndSigningCertificates()
    {
        var xml = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).WithKey(fixture.EcdsaIdpKey.PublicCertificate, use: null).Build();

        var metadata = new Saml2MetadataRetriever(Issuer).Read(xml, "test");

        Assert.Equal(Issuer, metadata.EntityId);
        Assert.Equal(
            [fixture.IdpKey.Certificate.Thumbprint, fixture.EcdsaIdpKey.Certificate.Thumbprint],
            metadata.SigningCertificates.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Read_EntityDescriptorWithoutExpectedEntityId_TakesItsEntity()
    {
        var xml = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).Build();

        var metadata = new Saml2MetadataRetriever().Read(xml, "test");

        Assert.Equal(Issuer, metadata.EntityId);
    }

    [Fact]
    public void Read_EntityDescriptorOfAnotherEntity_Throws()
    {
        var xml = new Saml2MetadataBuilder(ValidatorFixture.OtherIssuer).WithKey(fixture.OtherIdpKey.PublicCertificate).Build();

        var exception = Assert.Throws<InvalidOperationException>(() => new Saml2MetadataRetriever(Issuer).Read(xml, "test"));

        Assert.Contains("not the expected", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EntitiesDescriptorWithSeveralEntities_ReturnsTheExpectedOne()
    {
        var xml = Saml2MetadataBuilder.BuildAggregate(
            new Saml2MetadataBuilder(ValidatorFixture.OtherIssuer).WithKey(fixture.OtherIdpKey.PublicCertificate),
            new Saml2MetadataBuilder(Issuer).WithKey(fixture.IdpKey.PublicCertificate),
            new Saml2MetadataBuilder("https://third.example.com").WithKey(fixture.AttackerKey.PublicCertificate));

        var metadata = new Saml2MetadataRetriever(Issuer).Read(xml, "test");

        Assert.Equal(Issuer, metadata.EntityId);
        Assert.Equal(fixture.IdpKey.Certificate.Thumbprint, Assert.Single(metadata.SigningCertificates).Thumbprint);
    }

    [Fact]
    public void Read_EntitiesDescriptorWithoutExpectedEntityId_Throws()
    {
        var xml = Saml2MetadataBuilder.BuildAggregate(new Saml2MetadataBuilder(Issuer).WithKey(fixture.IdpKey.PublicCertificate));

        var exception = Assert.Throws<InvalidOperationException>(() => new Saml2MetadataRetriever().Read(xml, "test"));

        Assert.Contains("EntitiesDescriptor", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EntitiesDescriptorWithoutTheExpectedEntity_Throws()
    {
        var xml = Saml2MetadataBuilder.BuildAggregate(new Saml2MetadataBuilder(ValidatorFixture.OtherIssuer).WithKey(fixture.OtherIdpKey.PublicCertificate));

        var exception = Assert.Throws<InvalidOperationException>(() => new Saml2MetadataRetriever(Issuer).Read(xml, "test"));

        Assert.Contains("no EntityDescriptor", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EncryptionKeyNextToSigningKey_IgnoresTheEncryptionKey()
    {
        var xml = new Saml2MetadataBuilder()
            .WithKey(fixture.AttackerKey.PublicCertificate, use: "encryption")
            .WithKey(fixture.IdpKey.PublicCertificate, use: "signing")
            .Build();

        var metadata = new Saml2MetadataRetriever(Issuer).Read(xml, "test");

        Assert.Equal(fixture.IdpKey.Certificate.Thumbprint, Assert.Single(metadata.SigningCertificates).Thumbprint);
    }

    [Fact]
    public void Read_EncryptionKeyOnly_ThrowsNoSigningCertificate()
    {
        var xml = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate, use: "encryption").Build();

        var exception = Assert.Throws<InvalidOperationException>(() => new Saml2MetadataRetriever(Issuer).Read(xml, "idp.xml"));

        Assert.Contains("no signing certificate", exception.Message, StringComparison.Ordinal);
        Assert.Contains("idp.xml", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ServiceProviderEntityOnly_ThrowsNoIdpDescriptor()
    {
        var xml = new Saml2MetadataBuilder { IncludeIdpDescriptor = false }.WithKey(fixture.IdpKey.PublicCertificate).Build();

        var exception = Assert.Throws<InvalidOperationException>(() => new Saml2MetadataRetriever(Issuer).Read(xml, "test"));

        Assert.Contains("IDPSSODescriptor", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_IdpDescriptorWithoutSaml2Protocol_ThrowsNoIdpDescriptor()
    {
        var xml = new Saml2MetadataBuilder { ProtocolSupport = "urn:oasis:names:tc:SAML:1.1:protocol" }.WithKey(fixture.IdpKey.PublicCertificate).Build();

        var exception = Assert.Throws<InvalidOperationException>(() => new Saml2MetadataRetriever(Issuer).Read(xml, "test"));

        Assert.Contains("IDPSSODescriptor", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DocType_IsRejected()
    {
        var xml = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).Build();
        var withDocType = "<!DOCTYPE md:EntityDescriptor [<!ENTITY e \"x\">]>" + xml;

        var exception = Assert.Throws<InvalidOperationException>(() => new Saml2MetadataRetriever(Issuer).Read(withDocType, "test"));

        Assert.IsType<XmlException>(exception.InnerException);
    }

    [Fact]
    public void Read_LongerThanTheCap_IsRejected()
    {
        var xml = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).Build();
        var retriever = new Saml2MetadataRetriever(Issuer) { MaximumDocumentLength = xml.Length - 1 };

        var exception = Assert.Throws<InvalidOperationException>(() => retriever.Read(xml, "test"));

        Assert.Contains(nameof(Saml2MetadataRetriever.MaximumDocumentLength), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CorruptCertificate_Throws()
    {
        var xml = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).Build()
            .Replace("<ds:X509Certificate>", "<ds:X509Certificate>AAAA", StringComparison.Ordinal);

        var exception = Assert.Throws<InvalidOperationException>(() => new Saml2MetadataRetriever(Issuer).Read(xml, "test"));

        Assert.Contains("X509Certificate", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateConfigurationManager_HttpsAddress_FetchesThroughTheHttpClient()
    {
        using var handler = new RecordingHttpMessageHandler { ResponseBody = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).Build() };
        using var httpClient = new HttpClient(handler);
        var manager = Saml2MetadataRetriever.CreateConfigurationManager(Issuer, MetadataAddress, httpClient);

        var metadata = await manager.GetConfigurationAsync(CancellationToken.None);

        Assert.Equal(new Uri(MetadataAddress), Assert.Single(handler.Requests));
        Assert.Equal(fixture.IdpKey.Certificate.Thumbprint, Assert.Single(metadata.SigningCertificates).Thumbprint);
    }

    [Fact]
    public void CreateConfigurationManager_HttpAddressWhileHttpsIsRequired_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(() => Saml2MetadataRetriever.CreateConfigurationManager(Issuer, "http://idp.example/metadata"));

        Assert.Contains("HTTPS", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateConfigurationManager_HttpAddressWhenHttpsIsNotRequired_FetchesIt()
    {
        using var handler = new RecordingHttpMessageHandler { ResponseBody = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).Build() };
        using var httpClient = new HttpClient(handler);
        var manager = Saml2MetadataRetriever.CreateConfigurationManager(Issuer, "http://idp.example/metadata", httpClient, requireHttps: false);

        var metadata = await manager.GetConfigurationAsync(CancellationToken.None);

        Assert.Single(handler.Requests);
        Assert.Equal(Issuer, metadata.EntityId);
    }

    [Fact]
    public void CreateConfigurationManager_UnsupportedScheme_Throws()
    {
        Assert.Throws<ArgumentException>(() => Saml2MetadataRetriever.CreateConfigurationManager(Issuer, "ftp://idp.example/metadata"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateConfigurationManager_FilePathOrFileUri_ReadsTheFile(bool asUri)
    {
        var path = _directory.WriteFile("idp-metadata.xml", new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).Build());
        var address = asUri ? new Uri(path).AbsoluteUri : path;
        var manager = Saml2MetadataRetriever.CreateConfigurationManager(Issuer, address);

        var metadata = await manager.GetConfigurationAsync(CancellationToken.None);

        Assert.Equal(fixture.IdpKey.Certificate.Thumbprint, Assert.Single(metadata.SigningCertificates).Thumbprint);
    }

    [Fact]
    public async Task CreateConfigurationManager_MissingFile_GetConfigurationThrowsInvalidOperation()
    {
        var manager = Saml2MetadataRetriever.CreateConfigurationManager(Issuer, Path.Combine(_directory.Path, "missing.xml"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.GetConfigurationAsync(CancellationToken.None));
    }

    [Fact]
    public async Task GetConfigurationAsync_DocumentFromRetriever_IsRead()
    {
        using var handler = new RecordingHttpMessageHandler { ResponseBody = new Saml2MetadataBuilder().WithKey(fixture.IdpKey.PublicCertificate).Build() };
        using var httpClient = new HttpClient(handler);

        var metadata = await new Saml2MetadataRetriever(Issuer).GetConfigurationAsync(MetadataAddress, new HttpDocumentRetriever(httpClient), CancellationToken.None);

        Assert.Equal(Issuer, metadata.EntityId);
    }

    public void Dispose() => _directory.Dispose();
}
