using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

public sealed class MemorySaml2AssertionReplayStoreTests
{
    private const string Issuer = "https://idp.example.com/saml";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task TryAddAsync_SecondUseOfAnId_IsAReplay()
    {
        var store = new MemorySaml2AssertionReplayStore(_time);
        var expiresAt = _time.GetUtcNow().AddMinutes(5);

        Assert.True(await store.TryAddAsync(Issuer, "_1", expiresAt, CancellationToken.None));
        Assert.False(await store.TryAddAsync(Issuer, "_1", expiresAt, CancellationToken.None));
    }

    [Fact]
    public async Task TryAddAsync_SameIdOfAnotherIssuer_IsNotAReplay()
    {
        var store = new MemorySaml2AssertionReplayStore(_time);
        var expiresAt = _time.GetUtcNow().AddMinutes(5);
        await store.TryAddAsync(Issuer, "_1", expiresAt, CancellationToken.None);

        Assert.True(await store.TryAddAsync("https://other.example.com/saml", "_1", expiresAt, CancellationToken.None));
    }

    [Fact]
    public async Task TryAddAsync_AfterTheRecordExpired_IsAcceptedAgain()
    {
        var store = new MemorySaml2AssertionReplayStore(_time);
        await store.TryAddAsync(Issuer, "_1", _time.GetUtcNow().AddMinutes(5), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(4));
        var stillRecorded = !await store.TryAddAsync(Issuer, "_1", _time.GetUtcNow().AddMinutes(5), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.True(stillRecorded);
        Assert.True(await store.TryAddAsync(Issuer, "_1", _time.GetUtcNow().AddMinutes(5), CancellationToken.None));
    }

    [Fact]
    public async Task TryAddAsync_ConcurrentFirstUses_ExactlyOneWins()
    {
        var store = new MemorySaml2AssertionReplayStore(_time);
        var expiresAt = _time.GetUtcNow().AddMinutes(5);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await store.TryAddAsync(Issuer, "_race", expiresAt, CancellationToken.None))));

        Assert.Single(results, r => r);
    }
}
