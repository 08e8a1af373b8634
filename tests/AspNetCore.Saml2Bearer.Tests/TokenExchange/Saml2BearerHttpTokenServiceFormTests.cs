using System.Buffers.Text;
using System.Text;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

/// <summary>
/// The token request form <c>Saml2BearerHttpTokenService.CreateForm</c> builds for each
/// <see cref="Saml2BearerTokenExchangeProtocol"/>, without a server: the grant fields, the encoding of the
/// assertion, the optional parameters and what additional parameters may not replace.
/// </summary>
public sealed class Saml2BearerHttpTokenServiceFormTests
{
    private const string TokenExchangeGrantType = "urn:ietf:params:oauth:grant-type:token-exchange";
    private const string Saml2TokenType = "urn:ietf:params:oauth:token-type:saml2";
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    // Standard base64 of these bytes has '+', '/' and '=' padding, so base64url differs visibly.
    private static readonly byte[] AssertionBytes = [.. Encoding.UTF8.GetBytes("<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_f1\"/>"), 0xFB, 0xEF, 0xFF, (byte)'\n'];

    [Theory]
    [InlineData(null, null, null, new[] { "grant_type", "requested_token_type", "subject_token", "subject_token_type" })]
    [InlineData("orders.read", null, null, new[] { "grant_type", "requested_token_type", "scope", "subject_token", "subject_token_type" })]
    [InlineData(null, "https://api.example.com", null, new[] { "audience", "grant_type", "requested_token_type", "subject_token", "subject_token_type" })]
    [InlineData(null, null, "https://orders.example.com/", new[] { "grant_type", "requested_token_type", "resource", "subject_token", "subject_token_type" })]
    [InlineData("a b", "https://api.example.com", "https://orders.example.com/", new[] { "audience", "grant_type", "requested_token_type", "resource", "scope", "subject_token", "subject_token_type" })]
    public void CreateForm_Rfc8693_SendsTheTokenExchangeFieldsAndOnlyTheConfiguredOptionalOnes(string? scope, string? audience, string? resource, string[] expectedNames)
    {
        var form = CreateForm(o =>
        {
            o.TokenExchangeProtocol = Saml2BearerTokenExchangeProtocol.Rfc8693;
            o.TokenAudience = audience;
            o.Resource = resource;
        }, scope);

        Assert.Equal(expectedNames, form.Select(f => f.Key).Order(StringComparer.Ordinal));
        Assert.Equal(TokenExchangeGrantType, Single(form, "grant_type"));
        Assert.Equal(Saml2TokenType, Single(form, "subject_token_type"));
        Assert.Equal(AccessTokenType, Single(form, "requested_token_type"));
        Assert.Equal(scope, SingleOrNull(form, "scope"));
        Assert.Equal(audience, SingleOrNull(form, "audience"));
        Assert.Equal(resource, SingleOrNull(form, "resource"));
        Assert.DoesNotContain(form, f => f.Key == "assertion");
    }

    [Theory]
    [InlineData(Saml2BearerAssertionEncoding.Base64Url)]
    [InlineData(Saml2BearerAssertionEncoding.Base64)]
    public void CreateForm_Rfc8693_SubjectTokenIsUnpaddedBase64UrlWhateverTheAssertionEncoding(Saml2BearerAssertionEncoding encoding)
    {
        var form = CreateForm(o =>
        {
            o.TokenExchangeProtocol = Saml2BearerTokenExchangeProtocol.Rfc8693;
            o.AssertionEncoding = encoding;
        });

        var subjectToken = Single(form, "subject_token");
        Assert.Equal(Base64Url.EncodeToString(AssertionBytes), subjectToken);
        Assert.DoesNotContain('=', subjectToken);
        Assert.DoesNotContain('+', subjectToken);
        Assert.DoesNotContain('/', subjectToken);
        Assert.Equal(AssertionBytes, Base64Url.DecodeFromChars(subjectToken));
    }

    [Fact]
    public void CreateForm_Rfc7522Default_SendsTheSaml2BearerGrantAndNoTokenExchangeField()
    {
        var form = CreateForm(o => o.TokenAudience = "https://api.example.com");

        Assert.Equal(["assertion", "audience", "grant_type"], form.Select(f => f.Key).Order(StringComparer.Ordinal));
        Assert.Equal("urn:ietf:params:oauth:grant-type:saml2-bearer", Single(form, "grant_type"));
        Assert.Equal(Base64Url.EncodeToString(AssertionBytes), Single(form, "assertion"));
    }

    [Theory]
    [InlineData("subject_token")]
    [InlineData("Subject_Token")]
    [InlineData("subject_token_type")]
    [InlineData("SUBJECT_TOKEN_TYPE")]
    [InlineData("requested_token_type")]
    [InlineData("Requested_Token_Type")]
    [InlineData("grant_type")]
    [InlineData("assertion")]
    [InlineData("client_id")]
    [InlineData("client_secret")]
    public void CreateForm_Rfc8693_AdditionalParameterNamingAnOwnedField_IsNotSent(string name)
    {
        var form = CreateForm(o =>
        {
            o.TokenExchangeProtocol = Saml2BearerTokenExchangeProtocol.Rfc8693;
            o.AdditionalTokenRequestParameters[name] = "forged";
            o.AdditionalTokenRequestParameters["tenant"] = "contoso";
        });

        Assert.DoesNotContain(form, f => f.Value == "forged");
        Assert.Equal(AccessTokenType, Single(form, "requested_token_type"));
        Assert.Equal(Saml2TokenType, Single(form, "subject_token_type"));
        Assert.Equal("contoso", Single(form, "tenant"));
    }

    [Fact]
    public void CreateForm_Rfc7522_RequestedTokenTypeStaysAnAdditionalParameter()
    {
        // Only RFC 8693 owns requested_token_type; an RFC 7522 server that takes it still gets it.
        var form = CreateForm(o => o.AdditionalTokenRequestParameters["requested_token_type"] = "urn:ietf:params:oauth:token-type:jwt");

        Assert.Equal("urn:ietf:params:oauth:token-type:jwt", Single(form, "requested_token_type"));
    }

    [Theory]
    [InlineData(Saml2AssertionVersion.Saml20, "urn:ietf:params:oauth:token-type:saml2")]
    [InlineData(Saml2AssertionVersion.Saml11, "urn:ietf:params:oauth:token-type:saml1")]
    public void CreateForm_Rfc8693_SubjectTokenTypeFollowsTheAssertionVersion(Saml2AssertionVersion version, string expected)
    {
        var form = CreateForm(o => o.TokenExchangeProtocol = Saml2BearerTokenExchangeProtocol.Rfc8693, version: version);

        Assert.Equal(expected, Single(form, "subject_token_type"));
        Assert.Equal(TokenExchangeGrantType, Single(form, "grant_type"));
    }

    [Fact]
    public void CreateForm_Rfc8693Saml11_IgnoresTheRfc7522GrantTypeOfTheRequest()
    {
        // The handler sets saml1_1-bearer for a SAML 1.1 assertion; under RFC 8693 the grant is token-exchange.
        var form = CreateForm(
            o => o.TokenExchangeProtocol = Saml2BearerTokenExchangeProtocol.Rfc8693,
            version: Saml2AssertionVersion.Saml11,
            grantType: Saml2BearerDefaults.Saml11GrantType);

        Assert.Equal(TokenExchangeGrantType, Single(form, "grant_type"));
        Assert.Equal("urn:ietf:params:oauth:token-type:saml1", Single(form, "subject_token_type"));
    }

    [Fact]
    public void CreateForm_Rfc7522Saml11_SendsTheRequestsGrantType()
    {
        var form = CreateForm(_ => { }, version: Saml2AssertionVersion.Saml11, grantType: Saml2BearerDefaults.Saml11GrantType);

        Assert.Equal(Saml2BearerDefaults.Saml11GrantType, Single(form, "grant_type"));
        Assert.DoesNotContain(form, f => f.Key == "subject_token_type");
    }

    private static List<KeyValuePair<string, string>> CreateForm(
        Action<Saml2BearerOptions> configure,
        string? scope = null,
        Saml2AssertionVersion version = Saml2AssertionVersion.Saml20,
        string? grantType = null)
    {
        var options = new Saml2BearerOptions { TokenEndpoint = "https://as.example.com/token", ClientId = "api", ClientSecret = "s3cret" };
        configure(options);
        using var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var service = new Saml2BearerHttpTokenService(services.GetRequiredService<IHttpClientFactory>(), NullLogger<Saml2BearerHttpTokenService>.Instance);
        return service.CreateForm(new Saml2BearerTokenRequest
        {
            SchemeName = "Saml2Bearer",
            Options = options,
            Assertion = AssertionBytes,
            Scope = scope,
            AssertionVersion = version,
            GrantType = grantType,
        });
    }

    private static string Single(List<KeyValuePair<string, string>> form, string name) =>
        Assert.Single(form, f => f.Key == name).Value;

    private static string? SingleOrNull(List<KeyValuePair<string, string>> form, string name) =>
        form.Count(f => f.Key == name) switch
        {
            0 => null,
            1 => form.Single(f => f.Key == name).Value,
            _ => throw new Xunit.Sdk.XunitException($"{name} was sent more than once"),
        };
}
