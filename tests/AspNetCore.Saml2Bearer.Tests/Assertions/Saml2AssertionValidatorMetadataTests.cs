using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.IdentityModel.Protocols;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>The validator with signing keys from IdP metadata: a file or HTTPS, refreshed on an unknown key.</summary>
public sealed class Saml2AssertionValidatorMetadataTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>, IDisposable
{
    private const string Issuer = Saml2AssertionBuilder.DefaultIssuer;
    private const string MetadataAddress = "https://idp.example/metadata";

    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public async Task ValidateAsync_KeyFromMetadataFile_IsAccepted()
    {
        var path = _directory.WriteFile("idp.xml", Metadata(fixture.IdpKey));
        var validator = CreateValidator(Saml2IdentityProvider.FromMetadata(Issuer, path));

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_KeyFromHttpsMetadata_IsAccepted()
    {
        using var handler = new RecordingHttpMessageHandler { ResponseBody = Metadata(fixture.IdpKey) };
        using var httpClient = new HttpClient(handler);
        var validator = CreateValidator(Saml2IdentityProvider.FromMetadata(Issuer, MetadataAddress, httpClient));

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(new Uri(MetadataAddress), Assert.Single(handler.Requests));
    }

    [Fact]
    public async Task ValidateAsync_KeyOfAnotherEntityInTheAggregate_IsRejected()
    {
        var aggregate = Saml2MetadataBuilder.BuildAggregate(
            new Saml2MetadataBuilder(Issuer).WithKey(fixture.IdpKey.PublicCertificate),
            new Saml2MetadataBuilder(ValidatorFixture.OtherIssuer).WithKey(fixture.OtherIdpKey.PublicCertificate));
        var path = _directory.WriteFile("federation.xml", aggregate);
        var validator = CreateValidator(Saml2IdentityProvider.FromMetadata(Issuer, path));

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.OtherIdpKey));

        Assert.Equal(Saml2AssertionFailureReason.SigningKeyNotTrusted, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NewKeyPublishedInMetadataFile_FirstAssertionWithNewKeyIsAccepted()
    {
        using var next = TestSigningKey.CreateRsa("CN=Trusted IdP next");
        var path = _directory.WriteFile("idp.xml", Metadata(fixture.IdpKey));
        var manager = Saml2MetadataRetriever.CreateConfigurationManager(Issuer, path);
        manager.RefreshInterval = ConfigurationManager<Saml2IdentityProviderMetadata>.MinimumRefreshInterval;
        var validator = CreateValidator(new Saml2IdentityProvider { EntityId = Issuer, MetadataManager = manager });
        var beforeRollover = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey));
        Assert.Equal(Saml2AssertionFailureReason.None, beforeRollover.FailureReason);
        File.WriteAllText(path, Metadata(next, fixture.IdpKey));

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(next));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NewKeyPublishedOverHttps_FirstAssertionWithNewKeyIsAccepted()
    {
        using var next = TestSigningKey.CreateRsa("CN=Trusted IdP next");
        using var handler = new RecordingHttpMessageHandler { ResponseBody = Metadata(fixture.IdpKey) };
        using var httpClient = new HttpClient(handler);
        var validator = CreateValidator(Saml2IdentityProvider.FromMetadata(Issuer, MetadataAddress, httpClient));
        Assert.Equal(Saml2AssertionFailureReason.None, (await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey))).FailureReason);
        handler.ResponseBody = Metadata(next);

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(next));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task ValidateAsync_ConcurrentAssertionsWithNewKey_AllAcceptedWithOneRefresh()
    {
        using var next = TestSigningKey.CreateRsa("CN=Trusted IdP next");
        using var handler = new RecordingHttpMessageHandler { ResponseBody = Metadata(fixture.IdpKey) };
        using var httpClient = new HttpClient(handler);
        var validator = CreateValidator(Saml2IdentityProvider.FromMetadata(Issuer, MetadataAddress, httpClient));
        Assert.Equal(Saml2AssertionFailureReason.None, (await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey))).FailureReason);
        handler.ResponseBody = Metadata(next);
        var assertions = Enumerable.Range(0, 4).Select(_ => fixture.NewAssertion().BuildEncoded(next)).ToArray();

        var results = await Task.WhenAll(assertions.Select(a => validator.ValidateAsync(a).AsTask()));

        Assert.All(results, r => Assert.Equal(Saml2AssertionFailureReason.None, r.FailureReason));
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task ValidateAsync_KeyNeverInMetadata_IsRejectedAfterARefresh()
    {
        using var handler = new RecordingHttpMessageHandler { ResponseBody = Metadata(fixture.IdpKey) };
        using var httpClient = new HttpClient(handler);
        var validator = CreateValidator(Saml2IdentityProvider.FromMetadata(Issuer, MetadataAddress, httpClient));
        Assert.Equal(Saml2AssertionFailureReason.None, (await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey))).FailureReason);

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.AttackerKey));

        Assert.Equal(Saml2AssertionFailureReason.SigningKeyNotTrusted, result.FailureReason);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task ValidateAsync_UnknownKeysWithinTheRefreshInterval_RefreshOnlyOnce()
    {
        using var handler = new RecordingHttpMessageHandler { ResponseBody = Metadata(fixture.IdpKey) };
        using var httpClient = new HttpClient(handler);
        var validator = CreateValidator(Saml2IdentityProvider.FromMetadata(Issuer, MetadataAddress, httpClient));

        var first = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.AttackerKey));
        var second = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.AttackerKey));
        var third = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.AttackerKey));

        Assert.All([first, second, third], r => Assert.Equal(Saml2AssertionFailureReason.SigningKeyNotTrusted, r.FailureReason));
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task ValidateAsync_NewKeyAfterRolloverInFileThenKeyNeverPublished_StaysRejected()
    {
        using var next = TestSigningKey.CreateRsa("CN=Trusted IdP next");
        var path = _directory.WriteFile("idp.xml", Metadata(fixture.IdpKey));
        var manager = Saml2MetadataRetriever.CreateConfigurationManager(Issuer, path);
        manager.RefreshInterval = ConfigurationManager<Saml2IdentityProviderMetadata>.MinimumRefreshInterval;
        var validator = CreateValidator(new Saml2IdentityProvider { EntityId = Issuer, MetadataManager = manager });
        await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey));
        File.WriteAllText(path, Metadata(next));
        Assert.Equal(Saml2AssertionFailureReason.None, (await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(next))).FailureReason);

        var result = await validator.ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.AttackerKey));

        Assert.Equal(Saml2AssertionFailureReason.SigningKeyNotTrusted, result.FailureReason);
    }

    public void Dispose() => _directory.Dispose();

    private static string Metadata(params TestSigningKey[] keys)
    {
        var builder = new Saml2MetadataBuilder(Issuer);
        foreach (var key in keys)
        {
            builder.WithKey(key.PublicCertificate);
        }

        return builder.Build();
    }

    private Saml2AssertionValidator CreateValidator(Saml2IdentityProvider identityProvider)
    {
        var parameters = new Saml2AssertionValidationParameters { TimeProvider = fixture.Time };
        parameters.IdentityProviders.Add(identityProvider);
        parameters.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        parameters.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        return new Saml2AssertionValidator(parameters);
    }
}
