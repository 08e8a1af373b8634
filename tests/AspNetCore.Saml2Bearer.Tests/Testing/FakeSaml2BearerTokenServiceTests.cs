using System.Globalization;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.Testing;

/// <summary>The Testing package's fake token service counts every exchange and keeps only the most recent requests.</summary>
public sealed class FakeSaml2BearerTokenServiceTests
{
    private static readonly Saml2BearerOptions Options = new();

    [Fact]
    public async Task ExchangeAsync_FewRequests_KeepsThemInOrderAndAnswersWithTheScope()
    {
        var service = new FakeSaml2BearerTokenService();

        var first = await service.ExchangeAsync(Request("a"), CancellationToken.None);
        await service.ExchangeAsync(Request("b"), CancellationToken.None);

        Assert.Equal(Saml2BearerTokenResultStatus.Success, first.Status);
        Assert.Equal("a", first.Response!.Scope);
        Assert.Equal(2, service.ExchangeCount);
        Assert.Equal(["a", "b"], service.Requests.Select(r => r.Scope));
    }

    [Fact]
    public async Task ExchangeAsync_MoreRequestsThanTheCap_KeepsTheMostRecentAndCountsAll()
    {
        var service = new FakeSaml2BearerTokenService { MaxRecordedRequests = 3 };

        for (var i = 0; i < 10; i++)
        {
            await service.ExchangeAsync(Request(i.ToString(CultureInfo.InvariantCulture)), CancellationToken.None);
        }

        Assert.Equal(10, service.ExchangeCount);
        Assert.Equal(["7", "8", "9"], service.Requests.Select(r => r.Scope));
    }

    [Fact]
    public async Task ExchangeAsync_DefaultCap_KeepsTheLast1000()
    {
        var service = new FakeSaml2BearerTokenService();

        for (var i = 0; i < 1005; i++)
        {
            await service.ExchangeAsync(Request(i.ToString(CultureInfo.InvariantCulture)), CancellationToken.None);
        }

        Assert.Equal(1000, service.MaxRecordedRequests);
        Assert.Equal(1005, service.ExchangeCount);
        Assert.Equal(1000, service.Requests.Count);
        Assert.Equal("5", service.Requests.First().Scope);
    }

    [Fact]
    public async Task ExchangeAsync_CapZero_KeepsNoRequestButCounts()
    {
        var service = new FakeSaml2BearerTokenService { MaxRecordedRequests = 0 };

        await service.ExchangeAsync(Request("a"), CancellationToken.None);

        Assert.Equal(1, service.ExchangeCount);
        Assert.Empty(service.Requests);
    }

    [Fact]
    public async Task ExchangeAsync_ConcurrentRequests_CountsEveryOneAndKeepsAtMostTheCap()
    {
        var service = new FakeSaml2BearerTokenService { MaxRecordedRequests = 50 };

        await Parallel.ForAsync(0, 500, async (i, cancellationToken) =>
            await service.ExchangeAsync(Request("s"), cancellationToken));

        Assert.Equal(500, service.ExchangeCount);
        Assert.Equal(50, service.Requests.Count);
    }

    [Fact]
    public async Task MaxRecordedRequests_Lowered_DropsTheOldestAtOnce()
    {
        var service = new FakeSaml2BearerTokenService();
        foreach (var scope in new[] { "a", "b", "c", "d" })
        {
            await service.ExchangeAsync(Request(scope), CancellationToken.None);
        }

        service.MaxRecordedRequests = 2;

        Assert.Equal(["c", "d"], service.Requests.Select(r => r.Scope));
        Assert.Equal(4, service.ExchangeCount);
    }

    [Fact]
    public void MaxRecordedRequests_Negative_Throws()
    {
        var service = new FakeSaml2BearerTokenService();

        Assert.Throws<ArgumentOutOfRangeException>(() => service.MaxRecordedRequests = -1);
    }

    private static Saml2BearerTokenRequest Request(string scope) =>
        new() { SchemeName = "Saml2Bearer", Options = Options, Assertion = new byte[] { 1, 2, 3 }, Scope = scope };
}
