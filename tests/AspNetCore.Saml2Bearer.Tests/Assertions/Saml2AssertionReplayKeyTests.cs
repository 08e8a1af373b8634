using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>The key the shared replay stores (Redis, EF Core) write, and how long a record lives.</summary>
public sealed class Saml2AssertionReplayKeyTests
{
    private const string Issuer = "https://idp.example.com/saml";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Create_SameIssuerAndId_IsTheSame64LowercaseHexCharacters()
    {
        var key = Saml2AssertionReplayKey.Create(Issuer, "_a1");

        Assert.Equal(key, Saml2AssertionReplayKey.Create(Issuer, "_a1"));
        Assert.Equal(Saml2AssertionReplayKey.Length, key.Length);
        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Fact]
    public void Create_KnownInput_IsSha256OfLengthPrefixedIssuerAndId()
    {
        // 4-byte big-endian length of "i" (1), "i", "d".
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([0, 0, 0, 1, (byte)'i', (byte)'d']));

        Assert.Equal(expected, Saml2AssertionReplayKey.Create("i", "d"));
    }

    [Fact]
    public void Create_NeitherIssuerNorIdAppearsInTheKey()
    {
        var key = Saml2AssertionReplayKey.Create(Issuer, "_visible-id");

        Assert.DoesNotContain("idp.example.com", key, StringComparison.Ordinal);
        Assert.DoesNotContain("visible", key, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a", "bc", "ab", "c")]
    [InlineData("https://idp.example.com/saml", "_1", "https://idp.example.com/saml_", "1")]
    [InlineData(Issuer, "_1", "https://other.example.com/saml", "_1")]
    [InlineData(Issuer, "_1", Issuer, "_2")]
    public void Create_DifferentIssuerOrId_GivesDifferentKeys(string issuer1, string id1, string issuer2, string id2)
    {
        Assert.NotEqual(Saml2AssertionReplayKey.Create(issuer1, id1), Saml2AssertionReplayKey.Create(issuer2, id2));
    }

    [Fact]
    public void TimeToLive_ExpiryInFiveMinutes_IsFiveMinutes()
    {
        var now = _time.GetUtcNow();

        Assert.Equal(TimeSpan.FromMinutes(5), Saml2AssertionReplayKey.TimeToLive(now.AddMinutes(5), now));
    }

    [Fact]
    public void TimeToLive_PartialMillisecond_IsRoundedUpSoTheRecordNeverEndsEarly()
    {
        var now = _time.GetUtcNow();

        Assert.Equal(TimeSpan.FromMilliseconds(2), Saml2AssertionReplayKey.TimeToLive(now.AddTicks(TimeSpan.TicksPerMillisecond + 1), now));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-3_600_000)]
    public void TimeToLive_ExpiryNowOrPassed_IsOneMillisecond(long offsetMilliseconds)
    {
        var now = _time.GetUtcNow();

        Assert.Equal(TimeSpan.FromMilliseconds(1), Saml2AssertionReplayKey.TimeToLive(now.AddMilliseconds(offsetMilliseconds), now));
    }

    [Fact]
    public void TimeToLive_UnderOneMillisecond_IsOneMillisecond()
    {
        var now = _time.GetUtcNow();

        Assert.Equal(TimeSpan.FromMilliseconds(1), Saml2AssertionReplayKey.TimeToLive(now.AddTicks(10), now));
    }

    [Fact]
    public void TimeToLive_ClockAdvanced_Shrinks()
    {
        var expiresAt = _time.GetUtcNow().AddMinutes(10);
        _time.Advance(TimeSpan.FromMinutes(4));

        Assert.Equal(TimeSpan.FromMinutes(6), Saml2AssertionReplayKey.TimeToLive(expiresAt, _time.GetUtcNow()));
    }
}
