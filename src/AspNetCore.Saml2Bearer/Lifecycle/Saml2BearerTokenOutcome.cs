using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;

namespace AspNetCore.Saml2Bearer.Lifecycle;

/// <summary>
/// What the token manager answers for one key: a token, a failed exchange or renewal, or the result an
/// <c>OnTokenReceived</c> event decided; and where it came from.
/// </summary>
internal sealed class Saml2BearerTokenOutcome
{
    private Saml2BearerTokenOutcome(
        Saml2BearerCachedToken? token, Saml2BearerTokenResult? failure, AuthenticateResult? eventResult, Saml2BearerTokenLookupSource source, bool shared, bool unvetted)
    {
        Token = token;
        Failure = failure;
        EventResult = eventResult;
        Source = source;
        IsShared = shared;
        IsUnvetted = unvetted;
    }

    /// <summary>The token, or <see langword="null"/> when there is none: see <see cref="Failure"/> and <see cref="EventResult"/>.</summary>
    public Saml2BearerCachedToken? Token { get; }

    /// <summary>The failed exchange or renewal, or <see langword="null"/>.</summary>
    public Saml2BearerTokenResult? Failure { get; }

    /// <summary>The result an <c>OnTokenReceived</c> event decided (nothing was stored then), or <see langword="null"/>.</summary>
    public AuthenticateResult? EventResult { get; }

    /// <summary>Where the token (or failure) came from.</summary>
    public Saml2BearerTokenLookupSource Source { get; }

    /// <summary>
    /// Whether <see cref="Token"/> is the instance every caller of the key shares (what the cache holds), so
    /// that what is built from it may be reused; <see langword="false"/> when this request vetted its own copy.
    /// </summary>
    public bool IsShared { get; }

    /// <summary>
    /// The request that started the flight left before the token arrived, so no <c>OnTokenReceived</c> has
    /// vetted it: it was not stored, and each waiting request vets it before use. Only inside the manager.
    /// </summary>
    internal bool IsUnvetted { get; }

    public static Saml2BearerTokenOutcome Obtained(Saml2BearerCachedToken token, Saml2BearerTokenLookupSource source, bool shared = true) =>
        new(token, null, null, source, shared, unvetted: false);

    public static Saml2BearerTokenOutcome Failed(Saml2BearerTokenResult failure, Saml2BearerTokenLookupSource source) =>
        new(null, failure, null, source, shared: false, unvetted: false);

    public static Saml2BearerTokenOutcome Decided(AuthenticateResult eventResult, Saml2BearerTokenLookupSource source) =>
        new(null, null, eventResult, source, shared: false, unvetted: false);

    public static Saml2BearerTokenOutcome Unvetted(Saml2BearerCachedToken token, Saml2BearerTokenLookupSource source) =>
        new(token, null, null, source, shared: false, unvetted: true);

    /// <summary>The same outcome, seen from a request that joined the flight.</summary>
    public Saml2BearerTokenOutcome Joined() =>
        new(Token, Failure, EventResult, Saml2BearerTokenLookupSource.JoinedExchange, IsShared, IsUnvetted);
}
