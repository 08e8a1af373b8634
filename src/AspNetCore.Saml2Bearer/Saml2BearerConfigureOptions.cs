using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Binds a scheme's options from <c>Authentication:Schemes:&lt;scheme&gt;</c>, the way JwtBearer does:
/// every key explicit, certificate and key paths resolved against the content root, unknown enum values
/// refused with the key's name. Nothing here throws: a value that cannot be bound and a key that is not a
/// setting (<see cref="Saml2BearerConfigurationKey"/>) are recorded on the options, and
/// <see cref="Saml2BearerOptions.Validate(string)"/> reports them together with every other problem.
/// </summary>
internal sealed class Saml2BearerConfigureOptions : IConfigureNamedOptions<Saml2BearerOptions>
{
    private readonly IAuthenticationConfigurationProvider _configurationProvider;
    private readonly string _contentRootPath;

    public Saml2BearerConfigureOptions(IAuthenticationConfigurationProvider configurationProvider)
        : this(configurationProvider, services: null)
    {
    }

    /// <summary>Creates the binder; relative paths resolve against the host's content root when there is one.</summary>
    public Saml2BearerConfigureOptions(IAuthenticationConfigurationProvider configurationProvider, IServiceProvider? services)
    {
        _configurationProvider = configurationProvider;
        _contentRootPath = services?.GetService<IHostEnvironment>()?.ContentRootPath is { Length: > 0 } contentRoot
            ? contentRoot
            : Directory.GetCurrentDirectory();
    }

    public void Configure(Saml2BearerOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, Saml2BearerOptions options)
    {
        if (string.IsNullOrEmpty(name))
        {
            return;
        }

        Bind(_configurationProvider.GetSchemeConfiguration(name), options, _contentRootPath);
    }

    /// <summary>
    /// Binds <paramref name="section"/> (a scheme's section, such as <c>Authentication:Schemes:Saml2Bearer</c>)
    /// onto <paramref name="options"/>. Relative certificate and key paths resolve against
    /// <paramref name="contentRootPath"/>. Values that cannot be bound and unknown keys are recorded on
    /// the options; <see cref="Saml2BearerOptions.Validate(string)"/> reports them.
    /// </summary>
    public static void Bind(IConfiguration section, Saml2BearerOptions options, string contentRootPath)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        var path = (section as IConfigurationSection)?.Path;
        options.ConfigurationPath = string.IsNullOrEmpty(path) ? options.ConfigurationPath : path;
        if (!section.GetChildren().Any())
        {
            return;
        }

        new Binder(path ?? string.Empty, options.ConfigurationErrors, contentRootPath).BindScheme(section, options);
        options.UnknownConfigurationKeys.AddRange(Saml2BearerConfigurationKey.FindUnknownKeys(section));
    }

    private sealed class Binder(string rootPath, List<(string Key, string Message)> errors, string contentRootPath)
    {
        public void BindScheme(IConfiguration section, Saml2BearerOptions options)
        {
            options.TokenEndpoint = section[nameof(options.TokenEndpoint)] ?? options.TokenEndpoint;
            options.Authority = section[nameof(options.Authority)] ?? options.Authority;
            options.MetadataAddress = section[nameof(options.MetadataAddress)] ?? options.MetadataAddress;
            options.RequireHttpsMetadata = GetBoolean(section, nameof(options.RequireHttpsMetadata)) ?? options.RequireHttpsMetadata;
            options.AutomaticRefreshInterval = GetTimeSpan(section, nameof(options.AutomaticRefreshInterval)) ?? options.AutomaticRefreshInterval;
            options.RefreshInterval = GetTimeSpan(section, nameof(options.RefreshInterval)) ?? options.RefreshInterval;
            options.ClientId = section[nameof(options.ClientId)] ?? options.ClientId;
            options.ClientSecret = section[nameof(options.ClientSecret)] ?? options.ClientSecret;
            options.ClientAuthenticationMethod = GetEnum<Saml2BearerClientAuthenticationMethod>(section, nameof(options.ClientAuthenticationMethod)) ?? options.ClientAuthenticationMethod;
            options.ClientSigningCredentials = GetSigningCredentials(section.GetSection(nameof(options.ClientSigningCredentials))) ?? options.ClientSigningCredentials;
            options.ClientAssertionLifetime = GetTimeSpan(section, nameof(options.ClientAssertionLifetime)) ?? options.ClientAssertionLifetime;
            options.Scope = section[nameof(options.Scope)] ?? options.Scope;
            options.TokenAudience = section[nameof(options.TokenAudience)] ?? options.TokenAudience;
            options.Resource = section[nameof(options.Resource)] ?? options.Resource;
            options.Saml11GrantType = section[nameof(options.Saml11GrantType)] ?? options.Saml11GrantType;
            options.AssertionEncoding = GetEnum<Saml2BearerAssertionEncoding>(section, nameof(options.AssertionEncoding)) ?? options.AssertionEncoding;
            options.TokenExchangeProtocol = GetEnum<Saml2BearerTokenExchangeProtocol>(section, nameof(options.TokenExchangeProtocol)) ?? options.TokenExchangeProtocol;
            options.AssertionValidationMode = GetEnum<Saml2BearerAssertionValidationMode>(section, nameof(options.AssertionValidationMode)) ?? options.AssertionValidationMode;
            options.HeaderName = section[nameof(options.HeaderName)] ?? options.HeaderName;
            ReplaceList(section.GetSection(nameof(options.HeaderSchemes)), options.HeaderSchemes);
            options.AllowFormField = GetBoolean(section, nameof(options.AllowFormField)) ?? options.AllowFormField;
            options.FormFieldName = section[nameof(options.FormFieldName)] ?? options.FormFieldName;
            options.BackchannelTimeout = GetTimeSpan(section, nameof(options.BackchannelTimeout)) ?? options.BackchannelTimeout;
            options.CircuitBreakDuration = GetTimeSpan(section, nameof(options.CircuitBreakDuration)) ?? options.CircuitBreakDuration;
            options.MaxConcurrentExchanges = GetInt32(section, nameof(options.MaxConcurrentExchanges)) ?? options.MaxConcurrentExchanges;
            options.TokenExpirationMargin = GetTimeSpan(section, nameof(options.TokenExpirationMargin)) ?? options.TokenExpirationMargin;
            options.DefaultTokenLifetime = GetTimeSpan(section, nameof(options.DefaultTokenLifetime)) ?? options.DefaultTokenLifetime;
            options.RefreshTokenLifetime = GetTimeSpan(section, nameof(options.RefreshTokenLifetime)) ?? options.RefreshTokenLifetime;
            options.DefaultRetryAfter = GetTimeSpan(section, nameof(options.DefaultRetryAfter)) ?? options.DefaultRetryAfter;
            options.DistributedCacheTimeout = GetTimeSpan(section, nameof(options.DistributedCacheTimeout)) ?? options.DistributedCacheTimeout;
            options.DistributedCacheBreakDuration = GetTimeSpan(section, nameof(options.DistributedCacheBreakDuration)) ?? options.DistributedCacheBreakDuration;
            options.TokenCacheSizeLimit = GetInt32(section, nameof(options.TokenCacheSizeLimit)) ?? options.TokenCacheSizeLimit;
            options.AssertionCacheSizeLimit = GetInt32(section, nameof(options.AssertionCacheSizeLimit)) ?? options.AssertionCacheSizeLimit;
            options.EnableAssertionCache = GetBoolean(section, nameof(options.EnableAssertionCache)) ?? options.EnableAssertionCache;
            options.MaximumTokenResponseSize = GetInt32(section, nameof(options.MaximumTokenResponseSize)) ?? options.MaximumTokenResponseSize;
            options.SaveTokens = GetBoolean(section, nameof(options.SaveTokens)) ?? options.SaveTokens;
            options.IncludeErrorDetails = GetBoolean(section, nameof(options.IncludeErrorDetails)) ?? options.IncludeErrorDetails;
            options.MapAccessTokenClaims = GetBoolean(section, nameof(options.MapAccessTokenClaims)) ?? options.MapAccessTokenClaims;
            options.MapOpenIddictPrivateClaims = GetBoolean(section, nameof(options.MapOpenIddictPrivateClaims)) ?? options.MapOpenIddictPrivateClaims;
            options.ValidateJwtAccessTokens = GetBoolean(section, nameof(options.ValidateJwtAccessTokens)) ?? options.ValidateJwtAccessTokens;
            options.ClientAssertionAudience = section[nameof(options.ClientAssertionAudience)] ?? options.ClientAssertionAudience;
            options.NameClaimType = section[nameof(options.NameClaimType)] ?? options.NameClaimType;
            options.RoleClaimType = section[nameof(options.RoleClaimType)] ?? options.RoleClaimType;
            options.AllowSoapSecurityHeader = GetBoolean(section, nameof(options.AllowSoapSecurityHeader)) ?? options.AllowSoapSecurityHeader;
            options.MaximumSoapEnvelopeSize = GetInt32(section, nameof(options.MaximumSoapEnvelopeSize)) ?? options.MaximumSoapEnvelopeSize;
            options.SoapFaults = GetBoolean(section, nameof(options.SoapFaults)) ?? options.SoapFaults;
            options.RemoveSoapSecurityHeader = GetBoolean(section, nameof(options.RemoveSoapSecurityHeader)) ?? options.RemoveSoapSecurityHeader;
            options.RejectUnknownConfigurationKeys = GetBoolean(section, nameof(options.RejectUnknownConfigurationKeys)) ?? options.RejectUnknownConfigurationKeys;

            // AuthenticationSchemeOptions, as JwtBearer binds them.
            options.ClaimsIssuer = section[nameof(options.ClaimsIssuer)] ?? options.ClaimsIssuer;
            options.ForwardDefault = section[nameof(options.ForwardDefault)] ?? options.ForwardDefault;
            options.ForwardAuthenticate = section[nameof(options.ForwardAuthenticate)] ?? options.ForwardAuthenticate;
            options.ForwardChallenge = section[nameof(options.ForwardChallenge)] ?? options.ForwardChallenge;
            options.ForwardForbid = section[nameof(options.ForwardForbid)] ?? options.ForwardForbid;
            options.ForwardSignIn = section[nameof(options.ForwardSignIn)] ?? options.ForwardSignIn;
            options.ForwardSignOut = section[nameof(options.ForwardSignOut)] ?? options.ForwardSignOut;

            // Attribute names are URIs and may hold ':', which configuration keys cannot: a list of pairs.
            foreach (var mapping in section.GetSection(nameof(options.AttributeClaimTypeMap)).GetChildren())
            {
                if (mapping[Saml2BearerConfigurationKey.AttributeName] is { Length: > 0 } attribute
                    && mapping[Saml2BearerConfigurationKey.ClaimTypeName] is { Length: > 0 } claimType)
                {
                    options.AttributeClaimTypeMap[attribute] = claimType;
                }
            }

            foreach (var parameter in section.GetSection(nameof(options.AdditionalTokenRequestParameters)).GetChildren())
            {
                if (parameter.Value is not null)
                {
                    options.AdditionalTokenRequestParameters[parameter.Key] = parameter.Value;
                }
            }

            var validTokenAudiences = Values(section.GetSection(Saml2BearerConfigurationKey.ValidTokenAudiencesName));
            if (validTokenAudiences.Count > 0)
            {
                options.TokenValidationParameters.ValidAudiences = validTokenAudiences;
            }

            BindAssertion(section.GetSection(nameof(options.Assertion)), options.Assertion, options.RequireHttpsMetadata);

            // Last: a preset sets what its server needs and overrides contradicting values.
            Saml2BearerOptionsPresets.ApplyConfiguration(section, options);
        }

        private void BindAssertion(IConfigurationSection section, Saml2AssertionValidationParameters parameters, bool requireHttps)
        {
            if (!section.GetChildren().Any())
            {
                return;
            }

            ReplaceList(section.GetSection(nameof(parameters.ValidAudiences)), parameters.ValidAudiences);
            ReplaceList(section.GetSection(nameof(parameters.ValidRecipients)), parameters.ValidRecipients);
            parameters.ClockSkew = GetTimeSpan(section, nameof(parameters.ClockSkew)) ?? parameters.ClockSkew;
            parameters.MaximumLifetime = GetTimeSpan(section, nameof(parameters.MaximumLifetime)) ?? parameters.MaximumLifetime;
            parameters.AllowSha1 = GetBoolean(section, nameof(parameters.AllowSha1)) ?? parameters.AllowSha1;
            parameters.AllowResponseWrapper = GetBoolean(section, nameof(parameters.AllowResponseWrapper)) ?? parameters.AllowResponseWrapper;
            parameters.AllowSaml11 = GetBoolean(section, nameof(parameters.AllowSaml11)) ?? parameters.AllowSaml11;
            parameters.EnforceOneTimeUse = GetBoolean(section, nameof(parameters.EnforceOneTimeUse)) ?? parameters.EnforceOneTimeUse;
            parameters.AllowedEncodings = GetEnum<Saml2AssertionEncodings>(section, nameof(parameters.AllowedEncodings)) ?? parameters.AllowedEncodings;
            parameters.MaximumEncodedLength = GetInt32(section, nameof(parameters.MaximumEncodedLength)) ?? parameters.MaximumEncodedLength;
            parameters.MaximumDecodedLength = GetInt32(section, nameof(parameters.MaximumDecodedLength)) ?? parameters.MaximumDecodedLength;
            parameters.MaximumElementDepth = GetInt32(section, nameof(parameters.MaximumElementDepth)) ?? parameters.MaximumElementDepth;

            // The flat form of the ResourceApi contract: every certificate listed is trusted for every
            // issuer listed. Per-issuer binding uses IdentityProviders:N:{EntityId, SigningCertificates:M}.
            var validIssuers = Values(section.GetSection(Saml2BearerConfigurationKey.ValidIssuersName));
            var flatCertificates = LoadCertificates(section.GetSection(nameof(Saml2IdentityProvider.SigningCertificates)));
            foreach (var issuer in validIssuers)
            {
                AddOrReplace(parameters, issuer, flatCertificates);
            }

            foreach (var identityProvider in section.GetSection(nameof(parameters.IdentityProviders)).GetChildren())
            {
                var entityId = identityProvider[nameof(Saml2IdentityProvider.EntityId)];
                if (string.IsNullOrEmpty(entityId))
                {
                    AddError(identityProvider.Path + ":" + nameof(Saml2IdentityProvider.EntityId), "is missing: each identity provider needs the entity ID it writes into saml:Issuer.");
                    continue;
                }

                var added = AddOrReplace(parameters, entityId, LoadCertificates(identityProvider.GetSection(nameof(Saml2IdentityProvider.SigningCertificates))));
                if (identityProvider[Saml2BearerConfigurationKey.MetadataAddressName] is { Length: > 0 } metadataAddress)
                {
                    try
                    {
                        // The same rule as for the authorization server: HTTPS unless the address is loopback.
                        var loopback = Uri.TryCreate(metadataAddress, UriKind.Absolute, out var uri) && Saml2BearerOptions.IsLoopback(uri);
                        added.MetadataManager = Saml2MetadataRetriever.CreateConfigurationManager(entityId, Resolve(metadataAddress), httpClient: null, requireHttps && !loopback);
                    }
                    catch (ArgumentException ex)
                    {
                        AddError(identityProvider.Path + ":" + Saml2BearerConfigurationKey.MetadataAddressName, ex.Message);
                    }
                }
            }
        }

        private static Saml2IdentityProvider AddOrReplace(Saml2AssertionValidationParameters parameters, string entityId, List<X509Certificate2> certificates)
        {
            var existing = parameters.IdentityProviders.FirstOrDefault(i => string.Equals(i.EntityId, entityId, StringComparison.Ordinal));
            if (existing is null)
            {
                existing = new Saml2IdentityProvider { EntityId = entityId };
                parameters.IdentityProviders.Add(existing);
            }

            foreach (var certificate in certificates)
            {
                existing.SigningCertificates.Add(certificate);
            }

            return existing;
        }

        // A metadata address is an https:// URL or a file; a relative file resolves against the content root.
        private string Resolve(string address) =>
            Uri.TryCreate(address, UriKind.Absolute, out _) || Path.IsPathRooted(address) ? address : Path.GetFullPath(address, contentRootPath);

        private List<X509Certificate2> LoadCertificates(IConfigurationSection section)
        {
            var certificates = new List<X509Certificate2>();
            var entries = section.Value is { Length: > 0 } ? [section] : section.GetChildren().Where(c => c.Value is { Length: > 0 }).ToList();
            foreach (var entry in entries)
            {
                try
                {
                    certificates.AddRange(Saml2BearerKeyMaterial.LoadCertificates(entry.Value!, entry.Path, contentRootPath));
                }
                catch (InvalidOperationException ex)
                {
                    AddError(entry.Path, ex.Message);
                }
            }

            return certificates;
        }

        private SigningCredentials? GetSigningCredentials(IConfigurationSection section)
        {
            if (!section.GetChildren().Any())
            {
                return null;
            }

            var keyPath = section.Path + ":" + Saml2BearerConfigurationKey.ClientSigningKeyName;
            if (section[Saml2BearerConfigurationKey.ClientSigningKeyName] is not { Length: > 0 } key)
            {
                AddError(keyPath, "is missing: set a PEM private key file (relative to the content root) or the inline PEM key.");
                return null;
            }

            try
            {
                return Saml2BearerKeyMaterial.LoadSigningCredentials(
                    key,
                    section[Saml2BearerConfigurationKey.ClientSigningKeyIdName],
                    section[Saml2BearerConfigurationKey.ClientSigningAlgorithmName],
                    keyPath,
                    contentRootPath);
            }
            catch (InvalidOperationException ex)
            {
                AddError(keyPath, ex.Message);
                return null;
            }
        }

        private bool? GetBoolean(IConfiguration section, string key) =>
            section[key] is not { } text ? null
            : bool.TryParse(text, out var value) ? value
            : Invalid<bool>(section, key, "true or false");

        private int? GetInt32(IConfiguration section, string key) =>
            section[key] is not { } text ? null
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
            : Invalid<int>(section, key, "a whole number");

        private TimeSpan? GetTimeSpan(IConfiguration section, string key) =>
            section[key] is not { } text ? null
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value
            : Invalid<TimeSpan>(section, key, "a TimeSpan such as 00:05:00");

        private TEnum? GetEnum<TEnum>(IConfiguration section, string key)
            where TEnum : struct, Enum =>
            section[key] is not { } text ? null
            : Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _) ? value
            : Invalid<TEnum>(section, key, string.Join(", ", Enum.GetNames<TEnum>()));

        private T? Invalid<T>(IConfiguration section, string key, string expected)
            where T : struct
        {
            AddError(section is IConfigurationSection { Path.Length: > 0 } s ? s.Path + ":" + key : key, $"must be {expected}.");
            return null;
        }

        // Errors are kept relative to the scheme's section; validation prefixes its path again. A message
        // that starts with the quoted full key drops it, since the key is written in front of it.
        private void AddError(string fullPath, string message)
        {
            var relative = rootPath.Length > 0 && fullPath.Length > rootPath.Length && fullPath.StartsWith(rootPath + ":", StringComparison.OrdinalIgnoreCase)
                ? fullPath[(rootPath.Length + 1)..]
                : fullPath;
            var quoted = $"'{fullPath}'";
            if (message.StartsWith(quoted, StringComparison.Ordinal))
            {
                message = message[quoted.Length..].TrimStart(':', ' ');
            }

            errors.Add((relative, message));
        }
    }

    private static List<string> Values(IConfigurationSection section) =>
        section.Value is { Length: > 0 } single ? [single] : section.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToList();

    private static void ReplaceList(IConfigurationSection section, IList<string> target)
    {
        var values = Values(section);
        if (values.Count == 0)
        {
            return;
        }

        target.Clear();
        foreach (var value in values)
        {
            target.Add(value);
        }
    }
}
