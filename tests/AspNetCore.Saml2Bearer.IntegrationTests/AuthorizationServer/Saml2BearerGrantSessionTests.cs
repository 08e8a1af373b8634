using System.Security.Claims;
using AspNetCore.Saml2Bearer.OpenIddict;
using OpenIddict.Abstractions;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// The session rule on its own: how the session end is written to and read from a principal, and how a token's
/// expiration is lowered to it.
/// </summary>
public sealed class Saml2BearerGrantSessionTests
{
    private static readonly DateTimeOffset SessionEnd = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static ClaimsPrincipal Principal(params string[] sessionEnds)
    {
        var identity = new ClaimsIdentity("test");
        foreach (var value in sessionEnds)
        {
            identity.AddClaim(new Claim(Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim, value));
        }

        return new ClaimsPrincipal(identity);
    }

    [Fact]
    public void AddSessionEnd_FractionalSecond_RoundsDownAndHasNoDestination()
    {
        var identity = new ClaimsIdentity("test");

        Saml2BearerGrantSession.AddSessionEnd(identity, SessionEnd.AddMilliseconds(900));

        var claim = Assert.Single(identity.FindAll(Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim));
        Assert.Equal(SessionEnd.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), claim.Value);
        Assert.Empty(claim.GetDestinations());
        Assert.True(Saml2BearerGrantSession.TryGetSessionEnd(new ClaimsPrincipal(identity), out var read));
        Assert.Equal(SessionEnd, read);
    }

    [Fact]
    public void TryGetSessionEnd_NoClaim_False()
    {
        Assert.False(Saml2BearerGrantSession.TryGetSessionEnd(Principal(), out _));
        Assert.False(Saml2BearerGrantSession.TryGetSessionEnd(null, out _));
    }

    [Fact]
    public void TryGetSessionEnd_SeveralValues_Earliest()
    {
        var later = SessionEnd.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var earlier = SessionEnd.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(Saml2BearerGrantSession.TryGetSessionEnd(Principal(later, earlier), out var sessionEnd));
        Assert.Equal(SessionEnd, sessionEnd);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-1")]
    [InlineData("+1767225600")]
    [InlineData("1767225600.5")]
    [InlineData("99999999999999999999")]
    [InlineData("253402300800")]
    public void TryGetSessionEnd_NotAUnixTime_EndedSession(string value)
    {
        Assert.True(Saml2BearerGrantSession.TryGetSessionEnd(Principal(value), out var sessionEnd));
        Assert.Equal(DateTimeOffset.MinValue, sessionEnd);
        Assert.True(Saml2BearerGrantSession.HasEnded(sessionEnd, SessionEnd));
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(1, true)]
    public void HasEnded_AtTheInstant_Ended(int secondsAfterEnd, bool ended) =>
        Assert.Equal(ended, Saml2BearerGrantSession.HasEnded(SessionEnd, SessionEnd.AddSeconds(secondsAfterEnd)));

    [Theory]
    [InlineData(null, 0)]
    [InlineData(3600, 0)]
    [InlineData(-60, -60)]
    public void LimitExpiration_ExpirationAfterSessionEndOrNone_LoweredToSessionEnd(int? expirationAfterEnd, int expected)
    {
        var principal = Principal();
        if (expirationAfterEnd is { } seconds)
        {
            principal.SetExpirationDate(SessionEnd.AddSeconds(seconds));
        }

        Saml2BearerGrantSession.LimitExpiration(principal, SessionEnd);

        Assert.Equal(SessionEnd.AddSeconds(expected), principal.GetExpirationDate());
    }
}
