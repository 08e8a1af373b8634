using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Events;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Options of the SAML 2.0 bearer authentication handler: where the assertion comes from, how it is
/// validated, where and how it is exchanged for an access token, and how the result is cached.
/// </summary>
public sealed class Saml2BearerOptions : AuthenticationSchemeOptions
{
    /// <summary>Creates the options with their defaults.</summary>
    public Saml2BearerOptions()
    {
        Events = new Saml2BearerEvents();
    }

    /// <summary>The events raised by the handler. Replace it or set its delegates to customise the flow.</summary>
    public new Saml2BearerEvents Events
    {
        get => (Saml2BearerEvents)base.Events!;
        set => base.Events = value;
    }

    // Extraction

    /// <summary>The request header that carries the assertion. Default: <c>Authorization</c>.</summary>
    public string HeaderName { get; set; } = "Authorization";

    /// <summary>
    /// The schemes accepted in <see cref="HeaderName"/> (compared case-insensitively). Default: <c>SAML</c>.
    /// Empty: the whole header value is the assertion (for a custom header).
    /// </summary>
    public IList<string> HeaderSchemes { get; } = new List<string> { Saml2BearerDefaults.HeaderScheme };

    /// <summary>Whether an <c>assertion</c> form field on a POST carries the assertion. Off by default.</summary>
    public bool AllowFormField { get; set; }

    /// <summary>The form field read when <see cref="AllowFormField"/> is on. Default: <c>assertion</c>.</summary>
    public string FormFieldName { get; set; } = Saml2BearerDefaults.FormField;

    // Validation

    /// <summary>Whether the assertion is validated locally (the default) or only by the authorization server.</summary>
    public Saml2BearerAssertionValidationMode AssertionValidationMode { get; set; } = Saml2BearerAssertionValidationMode.Full;

    /// <summary>
    /// What the assertion must satisfy: trusted identity providers and their keys, audiences, recipients
    /// (default: the token endpoint), clock skew, lifetime, algorithms, size caps.
    /// </summary>
    public Saml2AssertionValidationParameters Assertion { get; set; } = new();

    // Token endpoint

    /// <summary>The token endpoint of the authorization server. Discovered from <see cref="Authority"/> when not set.</summary>
    public string? TokenEndpoint { get; set; }

    /// <summary>
    /// The authorization server's issuer. When set, the token endpoint and the JWKS are discovered (OpenID
    /// Connect discovery or RFC 8414), and JWT access tokens and ID tokens are validated against them.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The discovery document address. Default: <see cref="Authority"/> + <c>/.well-known/openid-configuration</c>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>
    /// Whether discovery and the token endpoint must use HTTPS. Default: true. Loopback addresses
    /// (localhost, 127.0.0.0/8, ::1) may use HTTP regardless, since that traffic never leaves the machine.
    /// Turn it off only for development: over HTTP the assertion and the client secret cross the network in clear.
    /// </summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The discovery manager; created from <see cref="Authority"/> when not set.</summary>
    public IConfigurationManager<OpenIdConnectConfiguration>? ConfigurationManager { get; set; }

    /// <summary>How often discovery is refreshed. Default: 12 hours, as in JwtBearer.</summary>
    public TimeSpan AutomaticRefreshInterval { get; set; } = ConfigurationManager<OpenIdConnectConfiguration>.DefaultAutomaticRefreshInterval;

    /// <summary>The minimum time between forced discovery refreshes. Default: 5 minutes, as in JwtBearer.</summary>
    public TimeSpan RefreshInterval { get; set; } = ConfigurationManager<OpenIdConnectConfiguration>.DefaultRefreshInterval;

    /// <summary>The timeout of one token request, end to end. Default: 10 seconds.</summary>
    public TimeSpan BackchannelTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the authorization server's client stops calling it once it keeps failing (no connection,
    /// 5xx, timeouts): meanwhile exchanges answer 503 at once, with this as <c>Retry-After</c>, and then a
    /// trial request decides whether the circuit closes. Default: 15 seconds; from half a second to a day.
    /// </summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The most requests to the authorization server in flight at once for this scheme (requests of one
    /// subject share one exchange). An exchange beyond it is answered at once with 503 (<c>Retry-After</c>
    /// 1 second) instead of adding a connection to a server that may be hanging: an outage then costs a
    /// bounded number of sockets and timeouts, whatever the traffic. Default: 100.
    /// </summary>
    public int MaxConcurrentExchanges { get; set; } = 100;

    /// <summary>The largest token response body read. Default: 64 KiB.</summary>
    public int MaximumTokenResponseSize { get; set; } = 64 * 1024;

    // Client

    /// <summary>This API's client ID at the authorization server.</summary>
    public string? ClientId { get; set; }

    /// <summary>This API's client secret. Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>How this API authenticates at the token endpoint. Default: <c>client_secret_basic</c>.</summary>
    public Saml2BearerClientAuthenticationMethod ClientAuthenticationMethod { get; set; } = Saml2BearerClientAuthenticationMethod.ClientSecretBasic;

    /// <summary>The key that signs the client assertion for <see cref="Saml2BearerClientAuthenticationMethod.PrivateKeyJwt"/>.</summary>
    public SigningCredentials? ClientSigningCredentials { get; set; }

    /// <summary>
    /// The <c>aud</c> of the <c>private_key_jwt</c> client assertion. Default (<see langword="null"/>): the
    /// authorization server's issuer (<see cref="Authority"/>) when set, else the token endpoint. Microsoft
    /// Entra ID and Okta want the token endpoint; their presets set it.
    /// </summary>
    public string? ClientAssertionAudience { get; set; }

    /// <summary>The lifetime of a <c>private_key_jwt</c> client assertion. Default: 1 minute.</summary>
    public TimeSpan ClientAssertionLifetime { get; set; } = TimeSpan.FromMinutes(1);

    // Token request

    /// <summary>The <c>scope</c> to request (space-separated), or <see langword="null"/>.</summary>
    public string? Scope { get; set; }

    /// <summary>An <c>audience</c> parameter for the token request, or <see langword="null"/>.</summary>
    public string? TokenAudience { get; set; }

    /// <summary>A <c>resource</c> parameter (RFC 8707) for the token request, or <see langword="null"/>.</summary>
    public string? Resource { get; set; }

    /// <summary>
    /// The <c>grant_type</c> sent with a SAML 1.1 assertion (accepted when
    /// <see cref="Saml2AssertionValidationParameters.AllowSaml11"/> is on). Default:
    /// <see cref="Saml2BearerDefaults.Saml11GrantType"/> (<c>urn:ietf:params:oauth:grant-type:saml1_1-bearer</c>,
    /// as Microsoft Entra ID names it); set <see cref="Saml2BearerDefaults.GrantType"/> for a server that takes
    /// <c>saml2-bearer</c> for both versions. A SAML 2.0 assertion always goes with <c>saml2-bearer</c>.
    /// </summary>
    public string Saml11GrantType { get; set; } = Saml2BearerDefaults.Saml11GrantType;

    /// <summary>Extra form parameters sent with every token request.</summary>
    public IDictionary<string, string> AdditionalTokenRequestParameters { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How the assertion is encoded in the token request. Default: base64url without padding (RFC 7522).</summary>
    public Saml2BearerAssertionEncoding AssertionEncoding { get; set; } = Saml2BearerAssertionEncoding.Base64Url;

    // Token trust

    /// <summary>
    /// How JWT access tokens and ID tokens from the authorization server are validated when
    /// <see cref="Authority"/> is set. The issuer and signing keys come from discovery; the audience
    /// defaults to <see cref="ClientId"/>.
    /// </summary>
    public TokenValidationParameters TokenValidationParameters { get; set; } = new();

    /// <summary>
    /// Whether a JWT access token is validated against the authorization server's JWKS when
    /// <see cref="Authority"/> is set (a failing one is a 503) and its claims can be used. Default: true.
    /// Turn it off where the access token is meant for another resource, so that this API, the OAuth
    /// client, must treat it as opaque (Microsoft Entra ID; Okta unless its audience is given): the ID
    /// token is then the only JWT validated. The presets set it.
    /// </summary>
    public bool ValidateJwtAccessTokens { get; set; } = true;

    /// <summary>Whether the claims of a validated JWT access token are added to the principal. Default: true.</summary>
    public bool MapAccessTokenClaims { get; set; } = true;

    // Cache

    /// <summary>How long before its expiry a cached token stops being used. Default: 60 seconds.</summary>
    public TimeSpan TokenExpirationMargin { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The lifetime assumed for a token whose response has no <c>expires_in</c>. Default: 5 minutes.</summary>
    public TimeSpan DefaultTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a refresh token the authorization server issued is kept to renew the token, when neither the
    /// assertion's <c>SessionNotOnOrAfter</c> nor the server (<c>refresh_token_expires_in</c>) says; renewal
    /// never goes past <c>SessionNotOnOrAfter</c> whatever this says. A server that refuses the refresh token
    /// earlier costs one exchange of the request's assertion. Default: 1 day.
    /// </summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The most tokens held in memory per scheme. Default: 10,000.</summary>
    public int TokenCacheSizeLimit { get; set; } = 10_000;

    /// <summary>Whether a repeated, byte-identical assertion skips parsing and signature checks while it is valid. Default: true.</summary>
    public bool EnableAssertionCache { get; set; } = true;

    /// <summary>
    /// The most validated assertions remembered for the repeat fast path. Default: 10,000. Each entry
    /// keeps the assertion's bytes, its parsed form and the principal built from it: about 5 KB for a
    /// typical 4 KB assertion, so ~55 MB when full (measured by build/soak.sh).
    /// </summary>
    public int AssertionCacheSizeLimit { get; set; } = 10_000;

    // Principal and tokens

    /// <summary>The claim type of the name. Default: <see cref="System.Security.Claims.ClaimTypes.Name"/>.</summary>
    public string NameClaimType { get; set; } = System.Security.Claims.ClaimTypes.Name;

    /// <summary>The claim type of roles. Default: <see cref="System.Security.Claims.ClaimTypes.Role"/>.</summary>
    public string RoleClaimType { get; set; } = System.Security.Claims.ClaimTypes.Role;

    /// <summary>
    /// Maps SAML attribute names to claim types. Attributes not in the map keep their name as the claim
    /// type. Empty by default.
    /// </summary>
    public IDictionary<string, string> AttributeClaimTypeMap { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Whether the tokens are stored in the authentication properties (<c>GetTokenAsync</c>). Default: true.</summary>
    public bool SaveTokens { get; set; } = true;

    /// <summary>Whether the challenge carries <c>error_description</c>. Default: true. Descriptions never echo input.</summary>
    public bool IncludeErrorDetails { get; set; } = true;

    /// <summary>The <c>Retry-After</c> sent with a 503 when the token service gives none. Default: 30 seconds.</summary>
    public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The bound of one call to the distributed token cache (the L2, e.g. Redis) and to the cross-instance
    /// exchange lock; a call that takes longer counts as a failure and the request goes on without it.
    /// Default: 500 milliseconds.
    /// </summary>
    public TimeSpan DistributedCacheTimeout { get; set; } = Saml2BearerDistributedTokenStore.DefaultOperationTimeout;

    /// <summary>
    /// How long the distributed token cache and the exchange lock are skipped once they have failed
    /// several times in a row (one slow call does not count as an outage). Default: 5 seconds.
    /// </summary>
    public TimeSpan DistributedCacheBreakDuration { get; set; } = Saml2BearerDistributedTokenStore.DefaultRetryInterval;

    /// <summary>
    /// Whether a POST with a SOAP Content-Type (<c>text/xml</c> for SOAP 1.1, <c>application/soap+xml</c>
    /// for SOAP 1.2) is authenticated from the one <c>wsse:Security</c> header of its envelope addressed to
    /// this node (OASIS WS-Security SAML Token Profile), holding exactly one assertion as a direct child.
    /// The body is read once and rewound for the endpoint; nothing in the SOAP Body is ever a credential.
    /// A header credential takes precedence and leaves the body untouched. Default: false.
    /// </summary>
    public bool AllowSoapSecurityHeader { get; set; }

    /// <summary>
    /// The largest SOAP envelope read when <see cref="AllowSoapSecurityHeader"/> is on, in bytes, checked
    /// before parsing (Content-Length, then while reading). Default: 256 KB.
    /// </summary>
    public int MaximumSoapEnvelopeSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Whether the challenge of a SOAP request answers with a SOAP 1.1/1.2 <c>Fault</c> (WS-Security
    /// <c>wsse:InvalidSecurityToken</c> or <c>wsse:FailedAuthentication</c>) in the request's SOAP
    /// version, beside the usual status and <c>WWW-Authenticate</c>. Default: false (the gateway sample turns it on).
    /// </summary>
    public bool SoapFaults { get; set; }

    /// <summary>
    /// Whether the exchange middleware and the YARP transform remove the <c>wsse:Security</c> header the
    /// assertion came from before forwarding the envelope, so the backend never sees the SAML token.
    /// Default: true.
    /// </summary>
    public bool RemoveSoapSecurityHeader { get; set; } = true;

    /// <summary>
    /// Whether a key under <c>Authentication:Schemes:&lt;scheme&gt;</c> that is not a setting (say
    /// <c>Scopes</c> for <c>Scope</c>) fails startup. Default: false, a warning is logged at startup naming
    /// the key and the nearest setting.
    /// </summary>
    public bool RejectUnknownConfigurationKeys { get; set; }

    /// <summary>The authorization server preset applied (<see cref="Saml2BearerOptionsPresets"/>), or <see langword="null"/>.</summary>
    internal Saml2BearerPreset? Preset { get; set; }

    /// <summary>The per-scheme state built in post-configuration.</summary>
    internal Saml2BearerSchemeState? State { get; set; }

    /// <summary>The configuration section the options were bound from; validation errors name keys under it.</summary>
    internal string? ConfigurationPath { get; set; }

    /// <summary>Values found in configuration that could not be bound (key relative to <see cref="ConfigurationPath"/>).</summary>
    internal List<(string Key, string Message)> ConfigurationErrors { get; } = [];

    /// <summary>Keys found in configuration that are not settings (key relative to <see cref="ConfigurationPath"/>).</summary>
    internal List<(string Key, string Message)> UnknownConfigurationKeys { get; } = [];

    /// <summary>
    /// Checks the options at startup and names everything missing or inconsistent at once, each with
    /// its configuration key (<c>Authentication:Schemes:&lt;scheme&gt;:Assertion:ValidAudiences</c>).
    /// </summary>
    /// <param name="scheme">The scheme the options belong to.</param>
    /// <exception cref="InvalidOperationException">The options cannot work; the message lists every problem.</exception>
    public override void Validate(string scheme)
    {
        base.Validate(scheme);
        var errors = new List<(string Key, string Message)>(ConfigurationErrors);
        if (RejectUnknownConfigurationKeys)
        {
            errors.AddRange(UnknownConfigurationKeys.Select(u => (u.Key, u.Message + $" ({nameof(RejectUnknownConfigurationKeys)} is on)")));
        }

        CollectErrors(errors);
        if (errors.Count == 0)
        {
            return;
        }

        var path = ConfigurationPath ?? "Authentication:Schemes:" + scheme;
        var lines = errors.Select(e => e.Message.StartsWith($"'{path}:{e.Key}'", StringComparison.Ordinal) ? e.Message : $"{path}:{e.Key}: {e.Message}");
        var message = errors.Count == 1
            ? lines.Single()
            : $"{errors.Count} problems:{Environment.NewLine}- " + string.Join(Environment.NewLine + "- ", lines);
        throw Invalid(scheme, message);
    }

    private void CollectErrors(List<(string Key, string Message)> errors)
    {
        if (string.IsNullOrEmpty(TokenEndpoint) && string.IsNullOrEmpty(Authority))
        {
            errors.Add((nameof(TokenEndpoint), $"neither {nameof(TokenEndpoint)} nor {nameof(Authority)} is set: set the token endpoint of the authorization server, or its issuer for discovery."));
        }

        ValidateAddress(errors, nameof(TokenEndpoint), TokenEndpoint);
        ValidateAddress(errors, nameof(Authority), Authority);
        ValidateAddress(errors, nameof(MetadataAddress), MetadataAddress);

        switch (ClientAuthenticationMethod)
        {
            case Saml2BearerClientAuthenticationMethod.ClientSecretBasic or Saml2BearerClientAuthenticationMethod.ClientSecretPost
                when string.IsNullOrEmpty(ClientId) || string.IsNullOrEmpty(ClientSecret):
                errors.Add((string.IsNullOrEmpty(ClientId) ? nameof(ClientId) : nameof(ClientSecret),
                    $"{nameof(ClientAuthenticationMethod)} {ClientAuthenticationMethod} needs {nameof(ClientId)} and {nameof(ClientSecret)}."));
                break;
            case Saml2BearerClientAuthenticationMethod.PrivateKeyJwt when string.IsNullOrEmpty(ClientId) || ClientSigningCredentials is null:
                errors.Add((string.IsNullOrEmpty(ClientId) ? nameof(ClientId) : nameof(ClientSigningCredentials),
                    $"{nameof(ClientAuthenticationMethod)} PrivateKeyJwt needs {nameof(ClientId)} and {nameof(ClientSigningCredentials)} (in configuration: {nameof(ClientSigningCredentials)}:Key, a PEM private key file or inline PEM, and {nameof(ClientSigningCredentials)}:KeyId)."));
                break;
        }

        if (TokenExchangeProtocol == Saml2BearerTokenExchangeProtocol.Rfc8693 && AssertionEncoding != Saml2BearerAssertionEncoding.Base64Url)
        {
            errors.Add((nameof(AssertionEncoding),
                $"{nameof(AssertionEncoding)} {AssertionEncoding} does not apply to {nameof(TokenExchangeProtocol)} Rfc8693: its subject_token is always base64url (RFC 8693 section 3); keep Base64Url, or use Rfc7522."));
        }

        if (AssertionValidationMode == Saml2BearerAssertionValidationMode.Full)
        {
            if (Assertion.ValidRecipients.Count == 0 && string.IsNullOrEmpty(TokenEndpoint))
            {
                errors.Add(($"{nameof(Assertion)}:{nameof(Saml2AssertionValidationParameters.ValidRecipients)}",
                    $"{nameof(Assertion)}.{nameof(Saml2AssertionValidationParameters.ValidRecipients)} is empty and the token endpoint is discovered: set the recipient the identity provider writes into the assertions."));
            }

            foreach (var (key, message) in Assertion.GetValidationErrors())
            {
                // Without a token endpoint the recipient error above already says what to do.
                if (key == nameof(Saml2AssertionValidationParameters.ValidRecipients) && Assertion.ValidRecipients.Count == 0 && string.IsNullOrEmpty(TokenEndpoint))
                {
                    continue;
                }

                errors.Add(($"{nameof(Assertion)}:{key}", $"{nameof(Assertion)}: {message}"));
            }
        }
        else if (string.IsNullOrEmpty(Authority) && ConfigurationManager is null)
        {
            errors.Add((nameof(Authority), $"{nameof(AssertionValidationMode)} TrustAuthorizationServer needs {nameof(Authority)}: the principal must come from a JWT the authorization server signed, validated against its JWKS (token introspection is not supported)."));
        }

        if (AssertionValidationMode == Saml2BearerAssertionValidationMode.TrustAuthorizationServer && Assertion.EnforceOneTimeUse)
        {
            errors.Add(($"{nameof(Assertion)}:{nameof(Saml2AssertionValidationParameters.EnforceOneTimeUse)}",
                $"{nameof(Assertion)}.{nameof(Saml2AssertionValidationParameters.EnforceOneTimeUse)} needs {nameof(AssertionValidationMode)} Full: with TrustAuthorizationServer the assertion is not read here, so only the authorization server can refuse its reuse."));
        }

        if (string.IsNullOrEmpty(HeaderName))
        {
            errors.Add((nameof(HeaderName), $"{nameof(HeaderName)} (and {nameof(FormFieldName)} when {nameof(AllowFormField)} is on) must not be empty."));
        }

        if (AllowFormField && string.IsNullOrEmpty(FormFieldName))
        {
            errors.Add((nameof(FormFieldName), $"{nameof(HeaderName)} (and {nameof(FormFieldName)} when {nameof(AllowFormField)} is on) must not be empty."));
        }

        Positive(errors, nameof(BackchannelTimeout), BackchannelTimeout > TimeSpan.Zero);
        Positive(errors, nameof(DefaultTokenLifetime), DefaultTokenLifetime > TimeSpan.Zero);
        Positive(errors, nameof(RefreshTokenLifetime), RefreshTokenLifetime > TimeSpan.Zero);
        Positive(errors, nameof(DefaultRetryAfter), DefaultRetryAfter > TimeSpan.Zero);
        Positive(errors, nameof(TokenCacheSizeLimit), TokenCacheSizeLimit > 0);
        Positive(errors, nameof(AssertionCacheSizeLimit), AssertionCacheSizeLimit > 0);
        Positive(errors, nameof(MaximumTokenResponseSize), MaximumTokenResponseSize > 0);
        Positive(errors, nameof(MaxConcurrentExchanges), MaxConcurrentExchanges > 0);
        Positive(errors, nameof(ClientAssertionLifetime), ClientAssertionLifetime > TimeSpan.Zero);
        Positive(errors, nameof(DistributedCacheTimeout), DistributedCacheTimeout > TimeSpan.Zero);
        Positive(errors, nameof(DistributedCacheBreakDuration), DistributedCacheBreakDuration > TimeSpan.Zero);
        Positive(errors, nameof(MaximumSoapEnvelopeSize), MaximumSoapEnvelopeSize > 0);
        if (TokenExpirationMargin < TimeSpan.Zero)
        {
            errors.Add((nameof(TokenExpirationMargin), $"{nameof(TokenExpirationMargin)} must not be negative."));
        }

        if (CircuitBreakDuration < MinimumCircuitBreakDuration || CircuitBreakDuration > MaximumCircuitBreakDuration)
        {
            errors.Add((nameof(CircuitBreakDuration), $"{nameof(CircuitBreakDuration)} must be from 00:00:00.5 to 1.00:00:00 (the resilience pipeline's range)."));
        }

        if (AutomaticRefreshInterval < ConfigurationManager<OpenIdConnectConfiguration>.MinimumAutomaticRefreshInterval)
        {
            errors.Add((nameof(AutomaticRefreshInterval), $"{nameof(AutomaticRefreshInterval)} must be at least {ConfigurationManager<OpenIdConnectConfiguration>.MinimumAutomaticRefreshInterval:c} (Microsoft.IdentityModel's minimum)."));
        }

        if (RefreshInterval < ConfigurationManager<OpenIdConnectConfiguration>.MinimumRefreshInterval)
        {
            errors.Add((nameof(RefreshInterval), $"{nameof(RefreshInterval)} must be at least {ConfigurationManager<OpenIdConnectConfiguration>.MinimumRefreshInterval:c} (Microsoft.IdentityModel's minimum)."));
        }

        if (!Uri.TryCreate(Saml11GrantType, UriKind.Absolute, out _))
        {
            errors.Add((nameof(Saml11GrantType), $"{nameof(Saml11GrantType)} must be an absolute URI such as {Saml2BearerDefaults.Saml11GrantType}."));
        }

        if (Preset?.ValidateCommon(this) is { } presetFault)
        {
            errors.Add((Saml2BearerConfigurationKey.PresetName, presetFault));
        }
    }

    private static void Positive(List<(string Key, string Message)> errors, string name, bool valid)
    {
        if (!valid)
        {
            errors.Add((name, $"{name} must be positive."));
        }
    }

    private static readonly TimeSpan MinimumCircuitBreakDuration = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaximumCircuitBreakDuration = TimeSpan.FromDays(1);

    private void ValidateAddress(List<(string Key, string Message)> errors, string name, string? address)
    {
        if (string.IsNullOrEmpty(address))
        {
            return;
        }

        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add((name, $"{name} must be an absolute http(s) URI."));
        }
        else if (RequireHttpsMetadata && uri.Scheme != Uri.UriSchemeHttps && !IsLoopback(uri))
        {
            errors.Add((name, $"{name} uses HTTP while {nameof(RequireHttpsMetadata)} is on: use HTTPS, or set {nameof(RequireHttpsMetadata)} to false for loopback development only."));
        }
    }

    /// <summary>
    /// Whether <paramref name="uri"/> names this machine (localhost, 127.0.0.0/8, ::1): plain HTTP there
    /// never crosses a network, so it is allowed without turning <see cref="RequireHttpsMetadata"/> off.
    /// </summary>
    internal static bool IsLoopback(Uri uri) => uri.IsLoopback;

    private static InvalidOperationException Invalid(string scheme, string message) =>
        new($"The Saml2Bearer scheme '{scheme}' is misconfigured: {message}");

    /// <summary>
    /// Whether the OpenIddict-private claims of the authorization server's JWTs (types starting with
    /// <c>oi_</c>, such as <c>oi_tkn_id</c>, <c>oi_au_id</c> or <c>oi_prst</c>: the server's bookkeeping of token and
    /// authorization ids and presenters, not facts about the user) are added to the principal. Default: false.
    /// </summary>
    public bool MapOpenIddictPrivateClaims { get; set; }

    /// <summary>
    /// The grant the token request uses: <see cref="Saml2BearerTokenExchangeProtocol.Rfc7522"/> (the default, the
    /// SAML 2.0 bearer assertion grant) or <see cref="Saml2BearerTokenExchangeProtocol.Rfc8693"/> (OAuth 2.0 Token
    /// Exchange: the assertion as a base64url <c>subject_token</c>, an access token requested, the response's
    /// <c>issued_token_type</c> checked). <see cref="Scope"/>, <see cref="TokenAudience"/> and <see cref="Resource"/>
    /// are sent with either.
    /// </summary>
    public Saml2BearerTokenExchangeProtocol TokenExchangeProtocol { get; set; }
}
