using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Claims;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// What one scheme builds once from its options and reuses for every request: the assertion validator
/// (keys extracted once), the token cache and the fast-path cache. It lives as long as the options
/// instance, so an options reload starts afresh.
/// </summary>
internal sealed class Saml2BearerSchemeState : IDisposable
{
    private readonly Lazy<Saml2AssertionValidator> _validator;

    public Saml2BearerSchemeState(Saml2BearerOptions options)
    {
        var timeProvider = options.TimeProvider ?? TimeProvider.System;
        _validator = new Lazy<Saml2AssertionValidator>(() => new Saml2AssertionValidator(options.Assertion), LazyThreadSafetyMode.ExecutionAndPublication);
        TokenCache = new Saml2BearerTokenCache(options.TokenCacheSizeLimit, options.TokenExpirationMargin, timeProvider);
        AssertionCache = new Saml2AssertionCache(options.AssertionCacheSizeLimit, timeProvider);
    }

    public Saml2AssertionValidator Validator => _validator.Value;

    public Saml2BearerTokenCache TokenCache { get; }

    public Saml2AssertionCache AssertionCache { get; }

    public Saml2BearerTokenClaimsValidator TokenClaimsValidator { get; } = new();

    public void Dispose()
    {
        TokenCache.Dispose();
        AssertionCache.Dispose();
    }
}
