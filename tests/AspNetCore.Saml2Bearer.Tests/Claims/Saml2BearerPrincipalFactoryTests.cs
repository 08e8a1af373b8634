using System.Security.Claims;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Claims;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.Claims;

public sealed class Saml2BearerPrincipalFactoryTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string GroupsAttribute = "urn:oid:1.3.6.1.4.1.5923.1.1.1.7";

    [Fact]
    public async Task Create_ValidatedAssertion_NameIsTheNameIdWithFormatAndIssuer()
    {
        var principal = Saml2BearerPrincipalFactory.Create("scheme", Options(), await AssertionAsync(), Token(scope: null));

        var identity = Assert.IsType<ClaimsIdentity>(principal.Identity);
        Assert.Equal("scheme", identity.AuthenticationType);
        Assert.Equal("alice@example.com", identity.Name);
        var nameIdentifier = Assert.Single(principal.FindAll(ClaimTypes.NameIdentifier));
        Assert.Equal("alice@example.com", nameIdentifier.Value);
        Assert.Equal(Saml2AssertionBuilder.DefaultIssuer, nameIdentifier.Issuer);
        Assert.Equal(Saml2AssertionBuilder.EmailFormat, nameIdentifier.Properties[Saml2BearerDefaults.NameIdFormatClaimType]);
        Assert.Equal(Saml2AssertionBuilder.EmailFormat, principal.FindFirst(Saml2BearerDefaults.NameIdFormatClaimType)?.Value);
        Assert.Equal(Saml2AssertionBuilder.DefaultIssuer, principal.FindFirst(Saml2BearerDefaults.AssertionIssuerClaimType)?.Value);
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport", principal.FindFirst(Saml2BearerDefaults.AuthenticationContextClassClaimType)?.Value);
    }

    [Fact]
    public async Task Create_MultiValuedAttribute_OneClaimPerValue()
    {
        var principal = Saml2BearerPrincipalFactory.Create("scheme", Options(), await AssertionAsync(), Token(scope: null));

        Assert.Equal(["orders.read", "orders.write"], principal.FindAll(GroupsAttribute).Select(c => c.Value));
    }

    [Fact]
    public async Task Create_AttributeClaimTypeMap_MapsTheAttributeToTheClaimType()
    {
        var options = Options();
        options.AttributeClaimTypeMap[GroupsAttribute] = ClaimTypes.Role;

        var principal = Saml2BearerPrincipalFactory.Create("scheme", options, await AssertionAsync(), Token(scope: null));

        Assert.True(principal.IsInRole("orders.write"));
        Assert.Empty(principal.FindAll(GroupsAttribute));
    }

    [Fact]
    public async Task Create_CustomNameClaimType_NameComesFromIt()
    {
        var options = Options();
        options.NameClaimType = ClaimTypes.NameIdentifier;

        var principal = Saml2BearerPrincipalFactory.Create("scheme", options, await AssertionAsync(), Token(scope: null));

        Assert.Equal("alice@example.com", principal.Identity?.Name);
        Assert.Single(principal.FindAll(ClaimTypes.NameIdentifier));
        Assert.Empty(principal.FindAll(ClaimTypes.Name));
    }

    [Fact]
    public async Task Create_ResponseScope_OneClaimPerGrantedScope()
    {
        var options = Options();
        options.Scope = "orders.read";

        var principal = Saml2BearerPrincipalFactory.Create("scheme", options, await AssertionAsync(), Token(scope: "orders.read  profile"));

        Assert.Equal(["orders.read", "profile"], principal.FindAll(Saml2BearerDefaults.ScopeClaimType).Select(c => c.Value));
        Assert.All(principal.FindAll(Saml2BearerDefaults.ScopeClaimType), c => Assert.Equal(Saml2BearerTestHost.TokenEndpoint, c.Issuer));
    }

    [Fact]
    public async Task Create_ResponseWithoutScope_TheRequestedScopeIsGranted()
    {
        var options = Options();
        options.Scope = "a b";

        var principal = Saml2BearerPrincipalFactory.Create("scheme", options, await AssertionAsync(), Token(scope: null));

        Assert.Equal(["a", "b"], principal.FindAll(Saml2BearerDefaults.ScopeClaimType).Select(c => c.Value));
    }

    [Fact]
    public async Task Create_NoScopeAnywhere_NoScopeClaim()
    {
        var principal = Saml2BearerPrincipalFactory.Create("scheme", Options(), await AssertionAsync(), Token(scope: null));

        Assert.Empty(principal.FindAll(Saml2BearerDefaults.ScopeClaimType));
    }

    [Fact]
    public async Task Create_TokenClaims_AreAddedWithoutDuplicatingScopes()
    {
        var token = Token(scope: "orders.read") with { TokenClaims = [new Claim("tid", "contoso"), new Claim(Saml2BearerDefaults.ScopeClaimType, "orders.read")] };

        var principal = Saml2BearerPrincipalFactory.Create("scheme", Options(), await AssertionAsync(), token);

        Assert.Equal("contoso", principal.FindFirst("tid")?.Value);
        Assert.Single(principal.FindAll(Saml2BearerDefaults.ScopeClaimType));
    }

    [Fact]
    public void Create_WithoutAssertion_OnlyTokenClaimsAndScopes()
    {
        var token = Token(scope: "orders.read") with { TokenClaims = [new Claim("sub", "alice")] };

        var principal = Saml2BearerPrincipalFactory.Create("scheme", Options(), assertion: null, token);

        Assert.Equal(["sub", Saml2BearerDefaults.ScopeClaimType], principal.Claims.Select(c => c.Type));
        Assert.Null(principal.Identity?.Name);
    }

    private static Saml2BearerOptions Options() => new() { TokenEndpoint = Saml2BearerTestHost.TokenEndpoint };

    private static Saml2BearerCachedToken Token(string? scope) =>
        new(new Saml2BearerTokenResponse { AccessToken = "at", TokenType = "Bearer", Scope = scope }, DateTimeOffset.UnixEpoch, []);

    private async Task<Saml2Assertion> AssertionAsync()
    {
        var result = await fixture.CreateValidator().ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey));
        return result.Assertion ?? throw new InvalidOperationException(result.FailureReason.ToString());
    }
}
