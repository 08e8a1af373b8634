using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>The token for a key, or the failed exchange result.</summary>
/// <param name="Token">The token, or <see langword="null"/> when the exchange failed.</param>
/// <param name="Failure">The failed exchange, or <see langword="null"/>.</param>
/// <param name="Source">Where the token (or failure) came from.</param>
internal sealed record Saml2BearerTokenLookup(Saml2BearerCachedToken? Token, Saml2BearerTokenResult? Failure, Saml2BearerTokenLookupSource Source)
{
    /// <summary>The result an <c>OnTokenReceived</c> event decided for the exchange (nothing is cached then), or <see langword="null"/>.</summary>
    public AuthenticateResult? EventResult { get; init; }

    /// <summary>
    /// The request that started the exchange left before the token arrived, so no <c>OnTokenReceived</c>
    /// has vetted it: it is not cached, and each waiting request vets it before use.
    /// </summary>
    public bool Unvetted { get; init; }
}
