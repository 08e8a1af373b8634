using System.Security.Claims;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// A token response as the cache holds it: the response, when it stops being usable, the claims of its
/// JWTs once they have been validated, and until when its refresh token may renew it.
/// </summary>
/// <param name="Response">The token response.</param>
/// <param name="ExpiresAt">The absolute instant the server's token expires (<c>expires_in</c>, or the default lifetime).</param>
/// <param name="TokenClaims">Claims of the validated JWT access token / ID token, or empty.</param>
/// <param name="RenewableUntil">
/// The instant after which the response's refresh token is no longer used (the assertion's
/// <c>SessionNotOnOrAfter</c>, or the refresh token's retention), or <see langword="null"/> when it cannot be renewed.
/// </param>
internal sealed record Saml2BearerCachedToken(
    Saml2BearerTokenResponse Response,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<Claim> TokenClaims,
    DateTimeOffset? RenewableUntil = null)
{
    /// <summary>Whether the refresh token may renew this token at <paramref name="now"/>.</summary>
    public bool CanRenewAt(DateTimeOffset now) =>
        Response.RefreshToken is not null && RenewableUntil is { } until && now < until;

    /// <summary>Until when a cache keeps the entry: while it is usable, or while it may be renewed.</summary>
    public DateTimeOffset KeepUntil(TimeSpan margin)
    {
        var usableUntil = ExpiresAt - margin;
        return Response.RefreshToken is not null && RenewableUntil is { } until && until > usableUntil ? until : usableUntil;
    }
}
