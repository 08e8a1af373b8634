using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Binds a scheme's options from <c>Authentication:Schemes:&lt;scheme&gt;</c>, the way JwtBearer does:
/// every key explicit, certificate paths loaded, unknown enum values refused with the key's name.
/// </summary>
internal sealed class Saml2BearerConfigureOptions : IConfigureNamedOptions<Saml2BearerOptions>
{
    private readonly IAuthenticationConfigurationProvider _configurationProvider;

    public Saml2BearerConfigureOptions(IAuthenticationConfigurationProvider configurationProvider)
    {
        _configurationProvider = configurationProvider;
    }

    public void Configure(Saml2BearerOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, Saml2BearerOptions options)
    {
        if (string.IsNullOrEmpty(name))
        {
            return;
        }

        var section = _configurationProvider.GetSchemeConfiguration(name);
        if (!section.GetChildren().Any())
        {
            return;
        }

        options.TokenEndpoint = section[nameof(options.TokenEndpoint)] ?? options.TokenEndpoint;
        options.Authority = section[nameof(options.Authority)] ?? options.Authority;
        options.MetadataAddress = section[nameof(options.MetadataAddress)] ?? options.MetadataAddress;
        options.RequireHttpsMetadata = GetBoolean(section, nameof(options.RequireHttpsMetadata)) ?? options.RequireHttpsMetadata;
        options.ClientId = section[nameof(options.ClientId)] ?? options.ClientId;
        options.ClientSecret = section[nameof(options.ClientSecret)] ?? options.ClientSecret;
        options.ClientAuthenticationMethod = GetEnum<Saml2BearerClientAuthenticationMethod>(section, nameof(options.ClientAuthenticationMethod)) ?? options.ClientAuthenticationMethod;
        options.Scope = section[nameof(options.Scope)] ?? options.Scope;
        options.TokenAudience = section[nameof(options.TokenAudience)] ?? options.TokenAudience;
        options.Resource = section[nameof(options.Resource)] ?? options.Resource;
        options.Saml11GrantType = section[nameof(options.Saml11GrantType)] ?? options.Saml11GrantType;
        options.AssertionEncoding = GetEnum<Saml2BearerAssertionEncoding>(section, nameof(options.AssertionEncoding)) ?? options.AssertionEncoding;
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
        options.DefaultRetryAfter = GetTimeSpan(section, nameof(options.DefaultRetryAfter)) ?? options.DefaultRetryAfter;
        options.TokenCacheSizeLimit = GetInt32(section, nameof(options.TokenCacheSizeLimit)) ?? options.TokenCacheSizeLimit;
        options.AssertionCacheSizeLimit = GetInt32(section, nameof(options.AssertionCacheSizeLimit)) ?? options.AssertionCacheSizeLimit;
        options.EnableAssertionCache = GetBoolean(section, nameof(options.EnableAssertionCache)) ?? options.EnableAssertionCache;
        options.MaximumTokenResponseSize = GetInt32(section, nameof(options.MaximumTokenResponseSize)) ?? options.MaximumTokenResponseSize;
        options.SaveTokens = GetBoolean(section, nameof(options.SaveTokens)) ?? options.SaveTokens;
        options.IncludeErrorDetails = GetBoolean(section, nameof(options.IncludeErrorDetails)) ?? options.IncludeErrorDetails;
        options.MapAccessTokenClaims = GetBoolean(section, nameof(options.MapAccessTokenClaims)) ?? options.MapAccessTokenClaims;
        options.NameClaimType = section[nameof(options.NameClaimType)] ?? options.NameClaimType;
        options.RoleClaimType = section[nameof(options.RoleClaimType)] ?? options.RoleClaimType;

        // Attribute names are URIs and may hold ':', which configuration keys cannot: a list of pairs.
        foreach (var mapping in section.GetSection(nameof(options.AttributeClaimTypeMap)).GetChildren())
        {
            if (mapping["Attribute"] is { Length: > 0 } attribute && mapping["ClaimType"] is { Length: > 0 } claimType)
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

        var validTokenAudiences = section.GetSection("ValidTokenAudiences").GetChildren().Select(c => c.Value).OfType<string>().ToList();
        if (validTokenAudiences.Count > 0)
        {
            options.TokenValidationParameters.ValidAudiences = validTokenAudiences;
        }

        BindAssertion(section.GetSection(nameof(options.Assertion)), options.Assertion);
    }

    private static void BindAssertion(IConfigurationSection section, Saml2AssertionValidationParameters parameters)
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
        parameters.AllowedEncodings = GetEnum<Saml2AssertionEncodings>(section, nameof(parameters.AllowedEncodings)) ?? parameters.AllowedEncodings;
        parameters.MaximumEncodedLength = GetInt32(section, nameof(parameters.MaximumEncodedLength)) ?? parameters.MaximumEncodedLength;
        parameters.MaximumDecodedLength = GetInt32(section, nameof(parameters.MaximumDecodedLength)) ?? parameters.MaximumDecodedLength;

        // The flat form of the ResourceApi contract: every certificate listed is trusted for every
        // issuer listed. Per-issuer binding uses IdentityProviders:N:{EntityId, SigningCertificates:M}.
        var validIssuers = Values(section.GetSection("ValidIssuers"));
        var flatCertificates = Values(section.GetSection("SigningCertificates")).SelectMany(LoadCertificates).ToList();
        foreach (var issuer in validIssuers)
        {
            AddOrReplace(parameters, issuer, flatCertificates);
        }

        foreach (var identityProvider in section.GetSection(nameof(parameters.IdentityProviders)).GetChildren())
        {
            var entityId = identityProvider[nameof(Saml2IdentityProvider.EntityId)];
            if (string.IsNullOrEmpty(entityId))
            {
                throw new InvalidOperationException($"Configuration key '{identityProvider.Path}:{nameof(Saml2IdentityProvider.EntityId)}' is missing.");
            }

            AddOrReplace(parameters, entityId, Values(identityProvider.GetSection(nameof(Saml2IdentityProvider.SigningCertificates))).SelectMany(LoadCertificates).ToList());
        }
    }

    private static void AddOrReplace(Saml2AssertionValidationParameters parameters, string entityId, List<X509Certificate2> certificates)
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
    }

    private static IEnumerable<X509Certificate2> LoadCertificates(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The signing certificate file '{path}' does not exist.");
        }

        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(path);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"The signing certificate file '{path}' is not a PEM certificate.");
        }

        if (collection.Count == 0)
        {
            throw new InvalidOperationException($"The signing certificate file '{path}' holds no certificate.");
        }

        return collection;
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

    private static bool? GetBoolean(IConfiguration section, string key) =>
        section[key] is not { } text ? null
        : bool.TryParse(text, out var value) ? value
        : throw Invalid(section, key, "true or false");

    private static int? GetInt32(IConfiguration section, string key) =>
        section[key] is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw Invalid(section, key, "a whole number");

    private static TimeSpan? GetTimeSpan(IConfiguration section, string key) =>
        section[key] is not { } text ? null
        : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value
        : throw Invalid(section, key, "a TimeSpan such as 00:05:00");

    private static TEnum? GetEnum<TEnum>(IConfiguration section, string key)
        where TEnum : struct, Enum =>
        section[key] is not { } text ? null
        : Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _) ? value
        : throw Invalid(section, key, string.Join(", ", Enum.GetNames<TEnum>()));

    private static InvalidOperationException Invalid(IConfiguration section, string key, string expected) =>
        new($"Configuration key '{(section is IConfigurationSection s ? s.Path + ":" : string.Empty)}{key}' must be {expected}.");
}
