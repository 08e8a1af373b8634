using System.Text.RegularExpressions;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Presets for the authorization servers users run: each sets the handful of values that server needs
/// (token endpoint, discovery, assertion encoding, scope, client authentication, which JWT is validated)
/// and remembers them, so that startup refuses options that contradict what the server documents. Call
/// the preset after anything else that sets these values; the identity provider's keys, issuers,
/// audiences and recipients are still yours to set (README, "Pointing it at an authorization server").
/// </summary>
public static partial class Saml2BearerOptionsPresets
{
    /// <summary>The Microsoft Entra ID instance of the global cloud: <c>https://login.microsoftonline.com/</c>.</summary>
    public const string EntraIdInstance = "https://login.microsoftonline.com/";

    private const string OpenIdScope = "openid";
    private const string DefaultScopeSuffix = "/.default";

    /// <summary>The scopes Entra ID lets a <c>.default</c> request carry next to it.</summary>
    private static readonly HashSet<string> EntraIdOpenIdScopes = new(StringComparer.Ordinal) { OpenIdScope, "profile", "email", "offline_access" };

    /// <summary>
    /// Microsoft Entra ID's SAML bearer assertion flow (the v2.0 endpoint): token endpoint
    /// <c>{instance}/{tenant}/oauth2/v2.0/token</c>, the assertion in standard base64,
    /// <c>scope=openid {resource}/.default</c>, client authentication <c>client_secret_post</c> (unless
    /// <c>private_key_jwt</c> is chosen, whose client assertion then names the token endpoint and goes with
    /// <c>client_id</c>), and the ID token validated against Entra ID's JWKS and issuer
    /// (<c>{instance}/{tenant}/v2.0</c>). The access token is for <paramref name="resource"/>, not for this
    /// API, and stays opaque (<see cref="Saml2BearerOptions.ValidateJwtAccessTokens"/> off).
    /// </summary>
    /// <param name="options">The options to configure.</param>
    /// <param name="tenantId">The tenant (directory) ID or a verified domain. Not <c>common</c>, <c>organizations</c> or <c>consumers</c>: the assertion's issuer is federated with one tenant.</param>
    /// <param name="resource">The resource the token is for, e.g. <c>https://graph.microsoft.com</c> or <c>api://{app-id}</c>; <c>/.default</c> is appended unless present.</param>
    /// <param name="instance">The cloud instance. Default: <see cref="EntraIdInstance"/>; a national cloud's, or a loopback address in tests (HTTPS is still required for anything else).</param>
    /// <returns>The options.</returns>
    public static Saml2BearerOptions UseEntraId(this Saml2BearerOptions options, string tenantId, string resource, Uri? instance = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        if (!TenantIdPattern().IsMatch(tenantId))
        {
            throw new ArgumentException("The tenant must be a directory ID or a domain name (letters, digits, '.', '-').", nameof(tenantId));
        }

        if (tenantId.Equals("common", StringComparison.OrdinalIgnoreCase) || tenantId.Equals("organizations", StringComparison.OrdinalIgnoreCase)
            || tenantId.Equals("consumers", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{tenantId}' is not a tenant: the SAML bearer flow exchanges assertions of one tenant's federated identity provider, and the issuer of the ID token must be that tenant.", nameof(tenantId));
        }

        if (resource.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException("The resource is one URI, without spaces.", nameof(resource));
        }

        var baseAddress = BaseAddress(instance ?? new Uri(EntraIdInstance), nameof(instance));
        var tokenEndpoint = $"{baseAddress}/{tenantId}/oauth2/v2.0/token";
        var authority = $"{baseAddress}/{tenantId}/v2.0";
        var defaultScope = resource.EndsWith(DefaultScopeSuffix, StringComparison.Ordinal) ? resource : resource.TrimEnd('/') + DefaultScopeSuffix;

        options.TokenEndpoint = tokenEndpoint;
        options.Authority = authority;
        options.MetadataAddress = null;
        options.ConfigurationManager = null;
        options.AssertionEncoding = Saml2BearerAssertionEncoding.Base64;
        options.Scope = MergeScopes(options.Scope, OpenIdScope, defaultScope, keep: EntraIdOpenIdScopes.Contains);
        if (options.ClientAuthenticationMethod == Saml2BearerClientAuthenticationMethod.ClientSecretBasic)
        {
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.ClientSecretPost;
        }

        options.ClientAssertionAudience = tokenEndpoint;
        options.ValidateJwtAccessTokens = false;
        options.Preset = new Saml2BearerPreset
        {
            Name = "EntraId",
            TokenEndpoint = tokenEndpoint,
            Authority = authority,
            SendClientIdWithClientAssertion = true,
            Validate = ValidateEntraId,
            ReduceErrorDescription = ReduceEntraIdErrorDescription,
            ClassifyError = static error => error == "invalid_resource" ? Saml2BearerTokenResultStatus.ClientError : null,
        };
        return options;
    }

    /// <summary>
    /// Okta's "SAML 2.0 Assertion" grant on a custom authorization server: token endpoint
    /// <c>{authorizationServerUrl}/v1/token</c>, discovery at
    /// <c>{authorizationServerUrl}/.well-known/oauth-authorization-server</c>, the assertion in standard
    /// base64, <c>openid</c> in the scope (Okta requires it), client authentication as configured
    /// (<c>client_secret_basic</c> by default, as in Okta's guide; a <c>private_key_jwt</c> client assertion
    /// names the token endpoint). The ID token is validated against Okta's JWKS; the access token too
    /// when <paramref name="accessTokenAudience"/> is given, else it stays opaque.
    /// </summary>
    /// <param name="options">The options to configure.</param>
    /// <param name="authorizationServerUrl">The authorization server's issuer, e.g. <c>https://{yourOktaDomain}/oauth2/default</c>.</param>
    /// <param name="accessTokenAudience">The authorization server's audience (e.g. <c>api://default</c>) to validate JWT access tokens against, or <see langword="null"/> to leave them opaque.</param>
    /// <returns>The options.</returns>
    public static Saml2BearerOptions UseOkta(this Saml2BearerOptions options, string authorizationServerUrl, string? accessTokenAudience = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationServerUrl);
        var issuer = BaseAddress(ParseAbsolute(authorizationServerUrl, nameof(authorizationServerUrl)), nameof(authorizationServerUrl));
        var tokenEndpoint = issuer + "/v1/token";

        options.TokenEndpoint = tokenEndpoint;
        options.Authority = issuer;
        options.MetadataAddress = issuer + "/.well-known/oauth-authorization-server";
        options.ConfigurationManager = null;
        options.AssertionEncoding = Saml2BearerAssertionEncoding.Base64;
        options.Scope = MergeScopes(options.Scope, OpenIdScope, null, keep: static _ => true);
        options.ClientAssertionAudience = tokenEndpoint;
        options.ValidateJwtAccessTokens = accessTokenAudience is not null;
        if (accessTokenAudience is not null)
        {
            options.TokenValidationParameters.ValidAudience = accessTokenAudience;
        }

        options.Preset = new Saml2BearerPreset
        {
            Name = "Okta",
            TokenEndpoint = tokenEndpoint,
            Authority = issuer,
            Validate = ValidateOkta,
            // Okta answers every refused assertion with invalid_grant and one generic description: it
            // says nothing more than the code, so it goes no further.
            ReduceErrorDescription = static _ => null,
        };
        return options;
    }

    /// <summary>
    /// An OpenIddict server with <c>AddSaml2BearerGrant()</c> (this repository's, or yours): the token
    /// endpoint and JWKS come from discovery at <paramref name="authority"/>, the assertion is base64url
    /// (RFC 7522), a <c>private_key_jwt</c> client assertion names the issuer, and JWT access tokens and ID
    /// tokens are validated. The assertions' recipient is the discovered token endpoint, so set
    /// <see cref="Assertions.Saml2AssertionValidationParameters.ValidRecipients"/> (or the token endpoint).
    /// </summary>
    /// <param name="options">The options to configure.</param>
    /// <param name="authority">The server's issuer, e.g. <c>https://as.example.com/</c>.</param>
    /// <returns>The options.</returns>
    public static Saml2BearerOptions UseOpenIddict(this Saml2BearerOptions options, string authority)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(authority);
        _ = ParseAbsolute(authority, nameof(authority));

        options.Authority = authority;
        options.AssertionEncoding = Saml2BearerAssertionEncoding.Base64Url;
        options.ClientAssertionAudience = null;
        options.ValidateJwtAccessTokens = true;
        options.Preset = new Saml2BearerPreset
        {
            Name = "OpenIddict",
            Authority = authority,
            Validate = static options => options.AssertionEncoding == Saml2BearerAssertionEncoding.Base64Url
                ? null
                : $"{nameof(Saml2BearerOptions.AssertionEncoding)} must stay Base64Url for OpenIddict (RFC 7522 section 2.1).",
        };
        return options;
    }

    /// <summary>
    /// Any RFC 7522 server, as without a preset: the token endpoint, the assertion base64url without
    /// padding. Client credentials, scope and the rest are set as usual.
    /// </summary>
    /// <param name="options">The options to configure.</param>
    /// <param name="tokenEndpoint">The token endpoint.</param>
    /// <returns>The options.</returns>
    public static Saml2BearerOptions UseRfc7522(this Saml2BearerOptions options, string tokenEndpoint)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenEndpoint);
        _ = ParseAbsolute(tokenEndpoint, nameof(tokenEndpoint));

        options.TokenEndpoint = tokenEndpoint;
        options.AssertionEncoding = Saml2BearerAssertionEncoding.Base64Url;
        options.Preset = new Saml2BearerPreset { Name = "Rfc7522", TokenEndpoint = tokenEndpoint };
        return options;
    }

    /// <summary>
    /// Applies the preset a scheme's configuration names (<c>Preset</c>: <c>EntraId</c> with <c>TenantId</c>,
    /// <c>Resource</c> and optionally <c>Instance</c>; <c>Okta</c> with <c>AuthorizationServerUrl</c> and
    /// optionally <c>AccessTokenAudience</c>; <c>OpenIddict</c> with <c>Authority</c>; <c>Rfc7522</c> with
    /// <c>TokenEndpoint</c>), after the rest of the section is bound. A missing key is named.
    /// </summary>
    internal static void ApplyConfiguration(Microsoft.Extensions.Configuration.IConfiguration section, Saml2BearerOptions options)
    {
        var preset = section[Saml2BearerConfigurationKey.PresetName];
        if (string.IsNullOrEmpty(preset))
        {
            return;
        }

        var path = section is Microsoft.Extensions.Configuration.IConfigurationSection { Path: var sectionPath } ? sectionPath + ":" : string.Empty;

        string Required(string key) => section[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Configuration key '{path}{key}' is missing: Preset {preset} needs it.");

        switch (preset.ToUpperInvariant())
        {
            case "ENTRAID":
                options.UseEntraId(Required(Saml2BearerConfigurationKey.PresetTenantIdName), Required("Resource"), section[Saml2BearerConfigurationKey.PresetInstanceName] is { Length: > 0 } instance ? ParseAbsolute(instance, "Instance") : null);
                break;
            case "OKTA":
                options.UseOkta(Required(Saml2BearerConfigurationKey.PresetAuthorizationServerUrlName), section[Saml2BearerConfigurationKey.PresetAccessTokenAudienceName] is { Length: > 0 } audience ? audience : null);
                break;
            case "OPENIDDICT":
                options.UseOpenIddict(Required(nameof(Saml2BearerOptions.Authority)));
                break;
            case "RFC7522":
                options.UseRfc7522(Required(nameof(Saml2BearerOptions.TokenEndpoint)));
                break;
            default:
                throw new InvalidOperationException($"Configuration key '{path}Preset' must be EntraId, Okta, OpenIddict or Rfc7522.");
        }
    }

    private static string? ValidateEntraId(Saml2BearerOptions options)
    {
        if (string.IsNullOrEmpty(options.ClientId))
        {
            return $"Entra ID needs {nameof(Saml2BearerOptions.ClientId)}: the application (client) ID of the app registration.";
        }

        if (options.AssertionEncoding != Saml2BearerAssertionEncoding.Base64)
        {
            return $"{nameof(Saml2BearerOptions.AssertionEncoding)} must stay Base64 for Entra ID (its SAML bearer flow takes the assertion base64-encoded).";
        }

        if (options.ClientAuthenticationMethod == Saml2BearerClientAuthenticationMethod.ClientSecretBasic)
        {
            return $"{nameof(Saml2BearerOptions.ClientAuthenticationMethod)} ClientSecretBasic is not what Entra ID documents for this flow: use ClientSecretPost (the preset's default) or PrivateKeyJwt.";
        }

        if (options.ClientAuthenticationMethod == Saml2BearerClientAuthenticationMethod.PrivateKeyJwt
            && !string.Equals(options.ClientAssertionAudience, options.TokenEndpoint, StringComparison.Ordinal))
        {
            return $"{nameof(Saml2BearerOptions.ClientAssertionAudience)} must be the token endpoint for Entra ID's private_key_jwt.";
        }

        var scopes = (options.Scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.Contains(OpenIdScope, StringComparer.Ordinal)
            || scopes.Count(scope => scope.EndsWith(DefaultScopeSuffix, StringComparison.Ordinal)) != 1
            || scopes.Any(scope => !scope.EndsWith(DefaultScopeSuffix, StringComparison.Ordinal) && !EntraIdOpenIdScopes.Contains(scope)))
        {
            return $"{nameof(Saml2BearerOptions.Scope)} must be 'openid <resource>/.default' (with profile, email or offline_access if wanted): Entra ID refuses a .default scope mixed with other scopes, and without openid there is no ID token to validate.";
        }

        if (!string.IsNullOrEmpty(options.Resource))
        {
            return $"{nameof(Saml2BearerOptions.Resource)} (the RFC 8707 resource parameter) must not be set for Entra ID: its v2.0 endpoint refuses it; the resource goes into the scope as <resource>/.default.";
        }

        if (options.ValidateJwtAccessTokens)
        {
            return $"{nameof(Saml2BearerOptions.ValidateJwtAccessTokens)} must stay off for Entra ID: its access tokens are for the resource (Microsoft Graph's cannot even be verified by anyone else), so this API treats them as opaque and validates the ID token.";
        }

        return null;
    }

    private static string? ValidateOkta(Saml2BearerOptions options)
    {
        if (string.IsNullOrEmpty(options.ClientId) || options.ClientAuthenticationMethod == Saml2BearerClientAuthenticationMethod.None)
        {
            return $"Okta's SAML 2.0 Assertion grant needs an authenticated client: set {nameof(Saml2BearerOptions.ClientId)} and ClientSecretBasic (default), ClientSecretPost or PrivateKeyJwt.";
        }

        if (options.AssertionEncoding != Saml2BearerAssertionEncoding.Base64)
        {
            return $"{nameof(Saml2BearerOptions.AssertionEncoding)} must stay Base64 for Okta (its guide sends the assertion base64-encoded).";
        }

        if (!(options.Scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(OpenIdScope, StringComparer.Ordinal))
        {
            return $"{nameof(Saml2BearerOptions.Scope)} must contain openid: Okta requires it for the SAML 2.0 Assertion grant.";
        }

        if (options.ClientAuthenticationMethod == Saml2BearerClientAuthenticationMethod.PrivateKeyJwt
            && !string.Equals(options.ClientAssertionAudience, options.TokenEndpoint, StringComparison.Ordinal))
        {
            return $"{nameof(Saml2BearerOptions.ClientAssertionAudience)} must be the token endpoint for Okta's private_key_jwt.";
        }

        return null;
    }

    /// <summary>
    /// Entra ID's <c>error_description</c> starts with its code (<c>AADSTS50013: Assertion failed
    /// signature validation. ...</c>) and ends with trace and correlation IDs; the text between may quote
    /// the request. Only the code and the correlation ID (a GUID, for a support case) are kept.
    /// </summary>
    internal static string? ReduceEntraIdErrorDescription(string? description)
    {
        if (description is null)
        {
            return null;
        }

        var code = EntraIdErrorCodePattern().Match(description);
        if (!code.Success)
        {
            return null;
        }

        var correlation = EntraIdCorrelationPattern().Match(description);
        return correlation.Success && Guid.TryParse(correlation.Groups[1].ValueSpan, out var correlationId)
            ? $"{code.Value} (correlation ID {correlationId:D})"
            : code.Value;
    }

    /// <summary>The scope with <paramref name="required"/> first, then <paramref name="extra"/>, then the existing scopes <paramref name="keep"/> accepts, each once.</summary>
    private static string MergeScopes(string? existing, string required, string? extra, Func<string, bool> keep)
    {
        var scopes = new List<string> { required };
        if (extra is not null)
        {
            scopes.Add(extra);
        }

        foreach (var scope in (existing ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!scopes.Contains(scope, StringComparer.Ordinal) && keep(scope))
            {
                scopes.Add(scope);
            }
        }

        return string.Join(' ', scopes);
    }

    private static Uri ParseAbsolute(string address, string parameterName) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : throw new ArgumentException("Must be an absolute http(s) URI (HTTPS unless it is a loopback address; startup checks that).", parameterName);

    /// <summary>An absolute http(s) address without query or fragment, with no trailing slash.</summary>
    private static string BaseAddress(Uri address, string parameterName)
    {
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttps && address.Scheme != Uri.UriSchemeHttp)
            || address.Query.Length > 0 || address.Fragment.Length > 0)
        {
            throw new ArgumentException("Must be an absolute http(s) URI without query or fragment (HTTPS unless it is a loopback address; startup checks that).", parameterName);
        }

        return address.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex TenantIdPattern();

    [GeneratedRegex(@"^AADSTS[0-9]{1,9}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex EntraIdErrorCodePattern();

    [GeneratedRegex(@"Correlation ID: ([0-9A-Fa-f-]{36})(?![0-9A-Fa-f-])", RegexOptions.CultureInvariant)]
    private static partial Regex EntraIdCorrelationPattern();
}
