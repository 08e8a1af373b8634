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
    /// <see cref="Saml2BearerRedisOptions.DefaultDataProtectionKeysKey"/>, and a short Redis lock per subject
    /// keeps instances from exchanging at once. One connection serves all three.
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
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<Saml2BearerRedisOptions>()
            .Configure(configure)
            .Validate(
                static options => !string.IsNullOrWhiteSpace(options.Configuration),
                $"{nameof(Saml2BearerRedisOptions)}.{nameof(Saml2BearerRedisOptions.Configuration)} is required: the Redis configuration string, e.g. ConnectionStrings:Redis.")
            .ValidateOnStart();
        services.TryAddSingleton<Saml2BearerRedisConnection>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Saml2BearerRedisConnectionStarter>());

        // The three uses of the connection.
        services.AddStackExchangeRedisCache(static _ => { });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<RedisCacheOptions>, Saml2BearerRedisConfigureCache>());
        services.AddDataProtection();
        services.TryAddSingleton<Saml2BearerRedisXmlRepository>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KeyManagementOptions>, Saml2BearerRedisConfigureKeyRing>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Saml2BearerRedisKeyRingGuard>());
        ShareKeysAddedByOtherInstances(services);
        services.TryAddSingleton<ISaml2BearerExchangeLock, Saml2BearerRedisExchangeLock>();
        return services;
    }

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
