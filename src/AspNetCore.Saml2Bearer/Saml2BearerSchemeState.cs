using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Claims;
using AspNetCore.Saml2Bearer.Lifecycle;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// What one scheme builds once from its options and reuses for every request: the assertion validator
/// (keys extracted once), the token manager (with its cache) and the fast-path cache. It lives as long as the options
/// instance, so an options reload starts afresh.
/// </summary>
internal sealed class Saml2BearerSchemeState : IDisposable
{
    private readonly Lazy<Saml2AssertionValidator> _validator;

    public Saml2BearerSchemeState(Saml2BearerOptions options)
        : this(options, Microsoft.Extensions.Options.Options.DefaultName, services: null)
    {
    }

    /// <summary>
    /// Builds the state of scheme <paramref name="scheme"/>. When <paramref name="services"/> holds an
    /// <see cref="IDistributedCache"/> other than the in-memory one, it becomes the token cache's second
    /// level, protected with Data Protection; an <see cref="ISaml2BearerExchangeLock"/> (Redis:
    /// AspNetCore.Saml2Bearer.StackExchangeRedis) adds the cross-instance exchange lock.
    /// </summary>
    public Saml2BearerSchemeState(Saml2BearerOptions options, string scheme, IServiceProvider? services)
    {
        var timeProvider = options.TimeProvider ?? TimeProvider.System;
        _validator = new Lazy<Saml2AssertionValidator>(() => new Saml2AssertionValidator(options.Assertion), LazyThreadSafetyMode.ExecutionAndPublication);
        TokenManager = new Saml2BearerTokenManager(CreateTokenCache(options, scheme, services, timeProvider), TokenClaimsValidator, timeProvider);
        AssertionCache = new Saml2AssertionCache(options.AssertionCacheSizeLimit, timeProvider);
    }

    public Saml2AssertionValidator Validator => _validator.Value;

    /// <summary>The token lifecycle: cache, single flight, exchange, JWT check, store.</summary>
    public Saml2BearerTokenManager TokenManager { get; }

    public Saml2BearerTokenCache TokenCache => TokenManager.Cache;

    public Saml2AssertionCache AssertionCache { get; }

    public Saml2BearerTokenClaimsValidator TokenClaimsValidator { get; } = new();

    public void Dispose()
    {
        TokenManager.Dispose();
        AssertionCache.Dispose();
    }

    private static Saml2BearerTokenCache CreateTokenCache(Saml2BearerOptions options, string scheme, IServiceProvider? services, TimeProvider timeProvider)
    {
        var distributedCache = services?.GetService<IDistributedCache>();

        // MemoryDistributedCache is what AddDistributedMemoryCache (and MVC, sessions...) register: a
        // second in-process copy would only double the memory and the work.
        if (services is null || distributedCache is null or MemoryDistributedCache
            || services.GetService<IDataProtectionProvider>() is not { } dataProtection)
        {
            return new Saml2BearerTokenCache(options.TokenCacheSizeLimit, options.TokenExpirationMargin, timeProvider);
        }

        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(typeof(Saml2BearerTokenCache).FullName!)
            ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var circuit = new Saml2BearerDistributedCacheCircuit(options.DistributedCacheBreakDuration, logger, timeProvider, Saml2BearerDistributedCacheCircuit.DefaultFailureThreshold);
        var store = new Saml2BearerDistributedTokenStore(
            distributedCache,
            Saml2BearerDistributedTokenStore.CreateProtector(dataProtection, scheme),
            circuit,
            options.TokenExpirationMargin,
            options.DistributedCacheTimeout,
            logger,
            timeProvider);
        var distributedLock = services.GetService<ISaml2BearerExchangeLock>() is { } exchangeLock
            ? new Saml2BearerDistributedLock(exchangeLock, circuit, options.BackchannelTimeout, options.DistributedCacheTimeout)
            : null;
        return new Saml2BearerTokenCache(options.TokenCacheSizeLimit, options.TokenExpirationMargin, timeProvider, store, distributedLock, logger);
    }
}
