using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// One key the binder reads under <c>Authentication:Schemes:&lt;scheme&gt;</c>, and the tree of all of
/// them (<see cref="SchemeKeys"/>). The unknown-key check walks the configuration against this tree, and
/// the README's configuration reference is tested against <see cref="Patterns()"/>: one list for both.
/// </summary>
internal sealed class Saml2BearerConfigurationKey
{
    private Saml2BearerConfigurationKey(string name, Kind kind, IReadOnlyList<Saml2BearerConfigurationKey>? children = null)
    {
        Name = name;
        KeyKind = kind;
        Children = children ?? [];
    }

    /// <summary>How a key holds its value.</summary>
    internal enum Kind
    {
        /// <summary>One value: <c>Scope</c>.</summary>
        Value,

        /// <summary>One value or a list of values: <c>HeaderSchemes</c> or <c>HeaderSchemes:N</c>.</summary>
        Values,

        /// <summary>Names chosen by the user, each with a value: <c>AdditionalTokenRequestParameters:&lt;name&gt;</c>.</summary>
        Map,

        /// <summary>A list of sections: <c>AttributeClaimTypeMap:N:Attribute</c>.</summary>
        Items,

        /// <summary>One section: <c>Assertion:ClockSkew</c>.</summary>
        Section,
    }

    public string Name { get; }

    public Kind KeyKind { get; }

    public IReadOnlyList<Saml2BearerConfigurationKey> Children { get; }

    /// <summary>Every key of a scheme's section, as the binder reads them.</summary>
    public static IReadOnlyList<Saml2BearerConfigurationKey> SchemeKeys { get; } =
    [
        Value(nameof(Saml2BearerOptions.TokenEndpoint)),
        Value(nameof(Saml2BearerOptions.Authority)),
        Value(nameof(Saml2BearerOptions.MetadataAddress)),
        Value(nameof(Saml2BearerOptions.RequireHttpsMetadata)),
        Value(nameof(Saml2BearerOptions.AutomaticRefreshInterval)),
        Value(nameof(Saml2BearerOptions.RefreshInterval)),
        Value(nameof(Saml2BearerOptions.ClientId)),
        Value(nameof(Saml2BearerOptions.ClientSecret)),
        Value(nameof(Saml2BearerOptions.ClientAuthenticationMethod)),
        new(nameof(Saml2BearerOptions.ClientSigningCredentials), Kind.Section,
        [
            Value(ClientSigningKeyName),
            Value(ClientSigningKeyIdName),
            Value(ClientSigningAlgorithmName),
        ]),
        Value(nameof(Saml2BearerOptions.ClientAssertionLifetime)),
        Value(nameof(Saml2BearerOptions.Scope)),
        Value(nameof(Saml2BearerOptions.TokenAudience)),
        Value(nameof(Saml2BearerOptions.Resource)),
        Value(nameof(Saml2BearerOptions.Saml11GrantType)),
        new(nameof(Saml2BearerOptions.AdditionalTokenRequestParameters), Kind.Map),
        Value(nameof(Saml2BearerOptions.AssertionEncoding)),
        Value(nameof(Saml2BearerOptions.TokenExchangeProtocol)),
        Value(nameof(Saml2BearerOptions.AssertionValidationMode)),
        Value(nameof(Saml2BearerOptions.HeaderName)),
        new(nameof(Saml2BearerOptions.HeaderSchemes), Kind.Values),
        Value(nameof(Saml2BearerOptions.AllowFormField)),
        Value(nameof(Saml2BearerOptions.FormFieldName)),
        Value(nameof(Saml2BearerOptions.BackchannelTimeout)),
        Value(nameof(Saml2BearerOptions.CircuitBreakDuration)),
        Value(nameof(Saml2BearerOptions.MaxConcurrentExchanges)),
        Value(nameof(Saml2BearerOptions.MaximumTokenResponseSize)),
        Value(nameof(Saml2BearerOptions.DefaultRetryAfter)),
        Value(nameof(Saml2BearerOptions.DistributedCacheTimeout)),
        Value(nameof(Saml2BearerOptions.DistributedCacheBreakDuration)),
        Value(nameof(Saml2BearerOptions.TokenExpirationMargin)),
        Value(nameof(Saml2BearerOptions.DefaultTokenLifetime)),
        Value(nameof(Saml2BearerOptions.RefreshTokenLifetime)),
        Value(nameof(Saml2BearerOptions.TokenCacheSizeLimit)),
        Value(nameof(Saml2BearerOptions.EnableAssertionCache)),
        Value(nameof(Saml2BearerOptions.AssertionCacheSizeLimit)),
        Value(nameof(Saml2BearerOptions.SaveTokens)),
        Value(nameof(Saml2BearerOptions.IncludeErrorDetails)),
        Value(nameof(Saml2BearerOptions.MapAccessTokenClaims)),
        Value(nameof(Saml2BearerOptions.MapOpenIddictPrivateClaims)),
        Value(nameof(Saml2BearerOptions.ValidateJwtAccessTokens)),
        Value(nameof(Saml2BearerOptions.ClientAssertionAudience)),
        Value(nameof(Saml2BearerOptions.NameClaimType)),
        Value(nameof(Saml2BearerOptions.RoleClaimType)),
        Value(nameof(Saml2BearerOptions.AllowSoapSecurityHeader)),
        Value(nameof(Saml2BearerOptions.MaximumSoapEnvelopeSize)),
        Value(nameof(Saml2BearerOptions.SoapFaults)),
        Value(nameof(Saml2BearerOptions.RemoveSoapSecurityHeader)),
        new(nameof(Saml2BearerOptions.AttributeClaimTypeMap), Kind.Items, [Value(AttributeName), Value(ClaimTypeName)]),
        new(ValidTokenAudiencesName, Kind.Values),
        Value(nameof(Saml2BearerOptions.RejectUnknownConfigurationKeys)),

        // The preset keys (Saml2BearerOptionsPresets.ApplyConfiguration).
        Value(PresetName),
        Value(PresetTenantIdName),
        Value(PresetInstanceName),
        Value(PresetAuthorizationServerUrlName),
        Value(PresetAccessTokenAudienceName),

        // AuthenticationSchemeOptions, bound as JwtBearer binds them.
        Value(nameof(AuthenticationSchemeOptions.ClaimsIssuer)),
        Value(nameof(AuthenticationSchemeOptions.ForwardDefault)),
        Value(nameof(AuthenticationSchemeOptions.ForwardAuthenticate)),
        Value(nameof(AuthenticationSchemeOptions.ForwardChallenge)),
        Value(nameof(AuthenticationSchemeOptions.ForwardForbid)),
        Value(nameof(AuthenticationSchemeOptions.ForwardSignIn)),
        Value(nameof(AuthenticationSchemeOptions.ForwardSignOut)),

        new(nameof(Saml2BearerOptions.Assertion), Kind.Section,
        [
            new(ValidIssuersName, Kind.Values),
            new(nameof(Saml2IdentityProvider.SigningCertificates), Kind.Values),
            new(nameof(Saml2AssertionValidationParameters.IdentityProviders), Kind.Items,
            [
                Value(nameof(Saml2IdentityProvider.EntityId)),
                new(nameof(Saml2IdentityProvider.SigningCertificates), Kind.Values),
                Value(MetadataAddressName),
            ]),
            new(nameof(Saml2AssertionValidationParameters.ValidAudiences), Kind.Values),
            new(nameof(Saml2AssertionValidationParameters.ValidRecipients), Kind.Values),
            Value(nameof(Saml2AssertionValidationParameters.ClockSkew)),
            Value(nameof(Saml2AssertionValidationParameters.MaximumLifetime)),
            Value(nameof(Saml2AssertionValidationParameters.AllowSha1)),
            Value(nameof(Saml2AssertionValidationParameters.AllowResponseWrapper)),
            Value(nameof(Saml2AssertionValidationParameters.AllowSaml11)),
            Value(nameof(Saml2AssertionValidationParameters.EnforceOneTimeUse)),
            Value(nameof(Saml2AssertionValidationParameters.AllowedEncodings)),
            Value(nameof(Saml2AssertionValidationParameters.MaximumEncodedLength)),
            Value(nameof(Saml2AssertionValidationParameters.MaximumDecodedLength)),
            Value(nameof(Saml2AssertionValidationParameters.MaximumElementDepth)),
        ]),
    ];

    // Keys with no option property of the same name.
    internal const string ValidTokenAudiencesName = "ValidTokenAudiences";
    internal const string ValidIssuersName = "ValidIssuers";
    internal const string MetadataAddressName = "MetadataAddress";
    internal const string AttributeName = "Attribute";
    internal const string ClaimTypeName = "ClaimType";
    internal const string ClientSigningKeyName = "Key";
    internal const string ClientSigningKeyIdName = "KeyId";
    internal const string ClientSigningAlgorithmName = "Algorithm";
    internal const string PresetName = "Preset";
    internal const string PresetTenantIdName = "TenantId";
    internal const string PresetInstanceName = "Instance";
    internal const string PresetAuthorizationServerUrlName = "AuthorizationServerUrl";
    internal const string PresetAccessTokenAudienceName = "AccessTokenAudience";

    /// <summary>
    /// Every key as the README's configuration reference writes it: <c>Scope</c>, <c>HeaderSchemes:N</c>,
    /// <c>AdditionalTokenRequestParameters:&lt;name&gt;</c>, <c>Assertion:IdentityProviders:N:SigningCertificates:M</c>.
    /// </summary>
    public static IEnumerable<string> Patterns() => Patterns(SchemeKeys, prefix: string.Empty, depth: 0);

    /// <summary>
    /// The keys of <paramref name="section"/> (a scheme's section) that the binder does not read, each
    /// with the message that names its full path and the nearest known key.
    /// </summary>
    public static List<(string Key, string Message)> FindUnknownKeys(IConfiguration section)
    {
        var unknown = new List<(string Key, string Message)>();
        var path = (section as IConfigurationSection)?.Path;
        Walk(section, SchemeKeys, string.IsNullOrEmpty(path) ? 0 : path.Length + 1, root: true, unknown);
        return unknown;
    }

    private static Saml2BearerConfigurationKey Value(string name) => new(name, Kind.Value);

    private static IEnumerable<string> Patterns(IReadOnlyList<Saml2BearerConfigurationKey> keys, string prefix, int depth)
    {
        var index = depth == 0 ? "N" : "M";
        foreach (var key in keys)
        {
            var path = prefix + key.Name;
            switch (key.KeyKind)
            {
                case Kind.Value:
                    yield return path;
                    break;
                case Kind.Values:
                    yield return path + ":" + index;
                    break;
                case Kind.Map:
                    yield return path + ":<name>";
                    break;
                case Kind.Items:
                    foreach (var child in Patterns(key.Children, path + ":" + index + ":", depth + 1))
                    {
                        yield return child;
                    }

                    break;
                case Kind.Section:
                    foreach (var child in Patterns(key.Children, path + ":", depth))
                    {
                        yield return child;
                    }

                    break;
            }
        }
    }

    private static void Walk(IConfiguration section, IReadOnlyList<Saml2BearerConfigurationKey> keys, int rootLength, bool root, List<(string Key, string Message)> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var key = keys.FirstOrDefault(k => string.Equals(k.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (key is null)
            {
                Report(child, rootLength, Suggest(child.Key, keys, root), unknown);
                continue;
            }

            switch (key.KeyKind)
            {
                case Kind.Value:
                    foreach (var nested in child.GetChildren())
                    {
                        Report(nested, rootLength, suggestion: null, unknown, $"'{key.Name}' takes a single value");
                    }

                    break;
                case Kind.Values:
                    foreach (var item in child.GetChildren())
                    {
                        if (!IsIndex(item.Key) || item.GetChildren().Any())
                        {
                            Report(item, rootLength, suggestion: null, unknown, $"'{key.Name}' takes a value or a list of values");
                        }
                    }

                    break;
                case Kind.Map:
                    foreach (var entry in child.GetChildren().Where(e => e.GetChildren().Any()))
                    {
                        Report(entry, rootLength, suggestion: null, unknown, $"each '{key.Name}' entry takes a single value");
                    }

                    break;
                case Kind.Items:
                    foreach (var item in child.GetChildren())
                    {
                        if (!IsIndex(item.Key))
                        {
                            Report(item, rootLength, suggestion: null, unknown, $"'{key.Name}' takes a list (':0', ':1', ...)");
                            continue;
                        }

                        Walk(item, key.Children, rootLength, root: false, unknown);
                    }

                    break;
                case Kind.Section:
                    Walk(child, key.Children, rootLength, root: false, unknown);
                    break;
            }
        }
    }

    private static bool IsIndex(string key) => key.Length > 0 && key.All(char.IsAsciiDigit);

    private static void Report(IConfigurationSection section, int rootLength, string? suggestion, List<(string Key, string Message)> unknown, string? reason = null)
    {
        var relative = section.Path.Length > rootLength ? section.Path[rootLength..] : section.Key;
        var message = suggestion is not null
            ? $"'{section.Path}' is not a setting; did you mean '{suggestion}'?"
            : reason is not null
                ? $"'{section.Path}' is not a setting: {reason}."
                : $"'{section.Path}' is not a setting of the Saml2Bearer handler and is ignored.";
        unknown.Add((relative, message));
    }

    /// <summary>
    /// The known key nearest to <paramref name="name"/>: at the same level, or (at the scheme's level)
    /// inside a section, such as <c>ValidAudiences</c> written where <c>Assertion:ValidAudiences</c> belongs.
    /// </summary>
    private static string? Suggest(string name, IReadOnlyList<Saml2BearerConfigurationKey> keys, bool root)
    {
        var candidates = keys.Select(k => (Name: k.Name, Path: k.Name)).ToList();
        if (root)
        {
            candidates.AddRange(keys.Where(k => k.KeyKind == Kind.Section)
                .SelectMany(s => s.Children.Select(c => (Name: c.Name, Path: s.Name + ":" + c.Name))));
        }

        var threshold = Math.Clamp(name.Length / 3, 1, 3);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var (candidate, path) in candidates)
        {
            var distance = Distance(name, candidate);
            if (distance < bestDistance && distance <= threshold)
            {
                best = path;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>The Levenshtein distance, ignoring case (configuration keys are case-insensitive).</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
