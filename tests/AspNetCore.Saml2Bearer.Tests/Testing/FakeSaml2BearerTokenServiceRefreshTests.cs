using System.Globalization;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.Testing;

/// <summary>The Testing package's fake token service refreshes too: counted and recorded apart from exchanges, rotating by default.</summary>
public sealed class FakeSaml2BearerTokenServiceRefreshTests
{
    private static readonly Saml2BearerOptions Options = new();

    [Fact]
    public async Task RefreshAsync_Default_NewAccessAndRefreshTokenWithTheScope()
    {
        var service = new FakeSaml2BearerTokenService();

        var result = await service.RefreshAsync(Request("rt-1", "orders.read offline_access"), CancellationToken.None);

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        Assert.Equal("orders.read offline_access", result.Response!.Scope);
        Assert.False(string.IsNullOrEmpty(result.Response.AccessToken));
        Assert.False(string.IsNullOrEmpty(result.Response.RefreshToken));
        Assert.NotEqual("rt-1", result.Response.RefreshToken);
        Assert.Equal(1, service.RefreshCount);
        Assert.Equal(0, service.ExchangeCount);
        Assert.Equal(["rt-1"], service.RefreshRequests.Select(r => r.RefreshToken));
        Assert.Empty(service.Requests);
    }

    [Fact]
    public async Task RefreshAsync_Responder_AnswersWithItsResult()
    {
        var service = new FakeSaml2BearerTokenService
        {
            RefreshResponder = _ => Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant"),
        };

        var result = await service.RefreshAsync(Request("rt-revoked"), CancellationToken.None);

        Assert.Equal(Saml2BearerTokenResultStatus.InvalidGrant, result.Status);
        Assert.Equal(1, service.RefreshCount);
    }

    [Fact]
    public async Task RefreshAsync_MoreRequestsThanTheCap_KeepsTheMostRecentAndCountsAll()
    {
        var service = new FakeSaml2BearerTokenService { MaxRecordedRequests = 2 };

        for (var i = 0; i < 5; i++)
        {
            await service.RefreshAsync(Request("rt-" + i.ToString(CultureInfo.InvariantCulture)), CancellationToken.None);
        }

        Assert.Equal(5, service.RefreshCount);
        Assert.Equal(["rt-3", "rt-4"], service.RefreshRequests.Select(r => r.RefreshToken));
    }

    private static Saml2BearerRefreshRequest Request(string refreshToken, string? scope = null) =>
        new() { SchemeName = "Saml2Bearer", Options = Options, RefreshToken = refreshToken, Scope = scope };
}
