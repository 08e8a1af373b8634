using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Completes the options of each scheme: default recipient (the token endpoint), the discovery manager
/// when an authority is set, and the per-scheme state (validator, caches; the distributed cache, Data
/// Protection and exchange lock come from the services when registered).
/// </summary>
internal sealed class Saml2BearerPostConfigureOptions : IPostConfigureOptions<Saml2BearerOptions>
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly IServiceProvider _services;

    public Saml2BearerPostConfigureOptions(IHttpClientFactory httpClientFactory, TimeProvider timeProvider, IServiceProvider services)
    {
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _services = services;
    }

    private static TimeSpan Max(TimeSpan value, TimeSpan minimum) => value < minimum ? minimum : value;

    public void PostConfigure(string? name, Saml2BearerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // This runs before ASP.NET Core's own post-configuration, which would take the TimeProvider from
        // DI: take it here, so a registered TimeProvider reaches the validator and the caches too.
        options.TimeProvider ??= _timeProvider;
        options.Assertion.TimeProvider = options.TimeProvider;

        // The one-time-use record goes where the application keeps it: memory, or Redis (AddSaml2BearerRedis).
        if (options.Assertion.EnforceOneTimeUse)
        {
            options.Assertion.ReplayStore ??= _services.GetService<ISaml2AssertionReplayStore>();
        }

        if (options.Assertion.ValidRecipients.Count == 0 && !string.IsNullOrEmpty(options.TokenEndpoint))
        {
            options.Assertion.ValidRecipients.Add(options.TokenEndpoint);
        }

        if (!string.IsNullOrEmpty(options.Authority) && options.ConfigurationManager is null)
        {
            var metadataAddress = options.MetadataAddress;
            if (string.IsNullOrEmpty(metadataAddress))
            {
                metadataAddress = options.Authority.TrimEnd('/') + "/.well-known/openid-configuration";
            }

            options.MetadataAddress = metadataAddress;
            options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                metadataAddress,
                new OpenIdConnectConfigurationRetriever(),
                new Saml2BearerDocumentRetriever(
                    _httpClientFactory,
                    Saml2BearerDefaults.HttpClientNamePrefix + name,
                    options.RequireHttpsMetadata && !Saml2BearerOptions.IsLoopback(new Uri(metadataAddress))))
            {
                // Below Microsoft.IdentityModel's minimums the setters throw; validation names the key instead.
                AutomaticRefreshInterval = Max(options.AutomaticRefreshInterval, ConfigurationManager<OpenIdConnectConfiguration>.MinimumAutomaticRefreshInterval),
                RefreshInterval = Max(options.RefreshInterval, ConfigurationManager<OpenIdConnectConfiguration>.MinimumRefreshInterval),
            };
        }

        if (!options.RejectUnknownConfigurationKeys && options.UnknownConfigurationKeys.Count > 0)
        {
            var logger = _services.GetService<ILoggerFactory>()?.CreateLogger(typeof(Saml2BearerConfigureOptions).FullName!);
            foreach (var (_, message) in options.UnknownConfigurationKeys)
            {
                if (logger is not null)
                {
                    Saml2BearerLog.UnknownConfigurationKey(logger, name ?? Options.DefaultName, message);
                }
            }
        }

        options.State?.Dispose();
        options.State = new Saml2BearerSchemeState(options, name ?? Options.DefaultName, _services);
    }
}
