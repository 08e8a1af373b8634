using System.Globalization;
using System.Security.Claims;
using OpenIddict.Abstractions;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// The identity provider's session of a signed-in principal (SAML core section 2.7.2: at
/// <c>SessionNotOnOrAfter</c> the session "MUST be considered ended"), carried in the
/// <see cref="Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim"/> claim from the assertion into the refresh
/// tokens, and the rule that no token outlives it.
/// </summary>
internal static class Saml2BearerGrantSession
{
    /// <summary>
    /// Adds the session end to <paramref name="identity"/>, without destinations (access and identity tokens
    /// never carry it; refresh tokens keep every claim). Tokens expire on whole seconds, so the instant is
    /// rounded down: the session is never stretched by the rounding.
    /// </summary>
    public static void AddSessionEnd(ClaimsIdentity identity, DateTimeOffset sessionNotOnOrAfter)
    {
        var seconds = sessionNotOnOrAfter.ToUnixTimeSeconds();
        identity.AddClaim(new Claim(
            Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim,
            seconds.ToString(CultureInfo.InvariantCulture),
            ClaimValueTypes.Integer64));
    }

    /// <summary>
    /// The session end <paramref name="principal"/> carries: <see langword="false"/> when it carries none (SAML 1.1,
    /// an assertion without <c>SessionNotOnOrAfter</c>, another grant). Several values give the earliest; a value
    /// that is not a number gives <see cref="DateTimeOffset.MinValue"/>, an ended session (fail closed).
    /// </summary>
    public static bool TryGetSessionEnd(ClaimsPrincipal? principal, out DateTimeOffset sessionEnd)
    {
        sessionEnd = DateTimeOffset.MaxValue;
        var found = false;
        foreach (var claim in principal?.FindAll(Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim) ?? [])
        {
            found = true;
            var end = long.TryParse(claim.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
                    ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                    : DateTimeOffset.MinValue;
            if (end < sessionEnd)
            {
                sessionEnd = end;
            }
        }

        if (!found)
        {
            sessionEnd = default;
        }

        return found;
    }

    /// <summary>Whether a session ending at <paramref name="sessionEnd"/> has ended at <paramref name="now"/>.</summary>
    public static bool HasEnded(DateTimeOffset sessionEnd, DateTimeOffset now) => now >= sessionEnd;

    /// <summary>
    /// Lowers the expiration date of the token <paramref name="principal"/> describes to <paramref name="sessionEnd"/>
    /// when it expires later or never; an earlier expiration stays.
    /// </summary>
    public static void LimitExpiration(ClaimsPrincipal? principal, DateTimeOffset sessionEnd)
    {
        if (principal is not null && (principal.GetExpirationDate() is not { } expiration || expiration > sessionEnd))
        {
            principal.SetExpirationDate(sessionEnd);
        }
    }
}
