using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.StackExchangeRedis;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.KeyManagement.Internal;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Redis for AspNetCore.Saml2Bearer in one call.</summary>
public static class Saml2BearerRedisServiceCollectionExtensions
{
    /// <summary>
    /// Shares the tokens of every <c>AddSaml2Bearer</c> scheme between the instances of an API through Redis:
    /// the Redis <c>IDistributedCache</c> becomes the token cache's second level (entries encrypted with Data
    /// Protection), the Data Protection key ring is kept in Redis under
    /// <see cref="Saml2BearerRedisOptions.DefaultDataProtectionKeysKey"/>, a short Redis lock per subject
    /// keeps instances from exchanging at once, and the assertion replay store (for
    /// <c>Assertion:EnforceOneTimeUse</c>) is shared. One connection serves all four.
    /// </summary>
    /// <param name="services">The services of the application.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string, e.g. <c>ConnectionStrings:Redis</c>.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <remarks>
    /// Give every instance the same Data Protection application name
    /// (<c>services.AddDataProtection().SetApplicationName(...)</c>): instances read each other's entries only
    /// when they share the key ring and the application name.
    /// </remarks>
    public static IServiceCollection AddSaml2BearerRedis(this IServiceCollection services, string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return services.AddSaml2BearerRedis(options => options.Configuration = configuration);
    }

    /// <summary>
    /// Shares the tokens of every <c>AddSaml2Bearer</c> scheme between the instances of an API through Redis,
    /// as <see cref="AddSaml2BearerRedis(IServiceCollection, string)"/> does, with the settings of
    /// <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The services of the application.</param>
    /// <param name="configure">Sets <see cref="Saml2BearerRedisOptions.Configuration"/> (required) and the other settings.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddSaml2BearerRedis(this IServiceCollection services, Action<Saml2BearerRedisOptions> configure)
    {
        AddConnection(services, configure);

        // The four uses of the connection.
        services.AddStackExchangeRedisCache(static _ => { });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<RedisCacheOptions>, Saml2BearerRedisConfigureCache>());
        services.AddDataProtection();
        services.TryAddSingleton<Saml2BearerRedisXmlRepository>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KeyManagementOptions>, Saml2BearerRedisConfigureKeyRing>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Saml2BearerRedisKeyRingGuard>());
        ShareKeysAddedByOtherInstances(services);
        services.TryAddSingleton<ISaml2BearerExchangeLock, Saml2BearerRedisExchangeLock>();
        AddReplayStore(services);
        return services;
    }

    /// <summary>
    /// Makes every instance of an authorization server (or of an API) refuse an assertion that any of them
    /// has already accepted: the <see cref="ISaml2AssertionReplayStore"/> becomes a Redis one
    /// (<c>SET NX PX</c> on <see cref="Saml2BearerRedisOptions.ReplayKeyPrefix"/> + the hashed issuer and
    /// assertion ID, until the assertion expires), in place of the in-memory store that protects one
    /// instance only. Call it beside <c>AddOpenIddict().AddServer(s => s.AddSaml2BearerGrant(...))</c>, in
    /// either order. While Redis cannot answer, grants are refused with <c>temporarily_unavailable</c>, never
    /// accepted unchecked. Only the replay store: no token cache, no Data Protection key ring.
    /// (<see cref="AddSaml2BearerRedis(IServiceCollection, string)"/> registers it too.)
    /// </summary>
    /// <param name="services">The services of the application.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string, e.g. <c>ConnectionStrings:Redis</c>.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddSaml2BearerRedisReplayStore(this IServiceCollection services, string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return services.AddSaml2BearerRedisReplayStore(options => options.Configuration = configuration);
    }

    /// <summary>
    /// Shares the assertion replay store between instances through Redis, as
    /// <see cref="AddSaml2BearerRedisReplayStore(IServiceCollection, string)"/> does, with the settings of
    /// <paramref name="configure"/> (<see cref="Saml2BearerRedisOptions.Configuration"/>, required, and
    /// <see cref="Saml2BearerRedisOptions.ReplayKeyPrefix"/>).
    /// </summary>
    /// <param name="services">The services of the application.</param>
    /// <param name="configure">Sets <see cref="Saml2BearerRedisOptions.Configuration"/> (required) and the key prefix.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddSaml2BearerRedisReplayStore(this IServiceCollection services, Action<Saml2BearerRedisOptions> configure)
    {
        AddConnection(services, configure);
        AddReplayStore(services);
        return services;
    }

    private static void AddConnection(IServiceCollection services, Action<Saml2BearerRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<Saml2BearerRedisOptions>()
            .Configure(configure)
            .Validate(
                static options => !string.IsNullOrWhiteSpace(options.Configuration),
                $"{nameof(Saml2BearerRedisOptions)}.{nameof(Saml2BearerRedisOptions.Configuration)} is required: the Redis configuration string, e.g. ConnectionStrings:Redis.")
            .Validate(
                static options => !string.IsNullOrEmpty(options.ReplayKeyPrefix),
                $"{nameof(Saml2BearerRedisOptions)}.{nameof(Saml2BearerRedisOptions.ReplayKeyPrefix)} must not be empty: replay records would mix with the application's own keys.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Saml2BearerRedisConnection>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Saml2BearerRedisConnectionStarter>());
    }

    // Replace, not TryAdd: AddSaml2Bearer and AddSaml2BearerGrant register the in-memory store, before or after this.
    private static void AddReplayStore(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<ISaml2AssertionReplayStore, Saml2BearerRedisAssertionReplayStore>());

    /// <summary>
    /// Puts <see cref="Saml2BearerRedisKeyRingProvider"/> in front of Data Protection's key ring provider,
    /// so that keys other instances add to the shared ring are read without waiting for the 24-hour
    /// reload. Left alone when the application registered a key ring provider of its own.
    /// </summary>
    private static void ShareKeysAddedByOtherInstances(IServiceCollection services)
    {
        var descriptor = services.LastOrDefault(static d => d.ServiceType == typeof(IKeyRingProvider));
        if (descriptor is not { ImplementationType: { } implementation, Lifetime: ServiceLifetime.Singleton, IsKeyedService: false }
            || implementation.Assembly != typeof(IKeyRingProvider).Assembly)
        {
            return;
        }

        services.Remove(descriptor);
        services.AddSingleton<IKeyRingProvider>(provider => new Saml2BearerRedisKeyRingProvider(
            (IKeyRingProvider)ActivatorUtilities.CreateInstance(provider, implementation),
            provider.GetRequiredService<IKeyManager>(),
            provider.GetRequiredService<Saml2BearerRedisXmlRepository>(),
            provider.GetRequiredService<IOptions<KeyManagementOptions>>(),
            (provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<Saml2BearerRedisKeyRingProvider>()));
    }
}
