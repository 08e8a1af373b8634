using System.Security.Claims;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.Claims;

/// <summary>
/// Validates the JWTs of a token response (access token when it is a JWT, and any ID token) against the
/// authorization server's discovered issuer and JWKS before any of their claims are used. A JWT that
/// fails is an authorization-server fault. A JWT signed with a key the JWKS does not hold yet (the server
/// rotated its key) makes the discovery manager refresh, at most once per
/// <see cref="Saml2BearerOptions.RefreshInterval"/> and shared by concurrent callers, and is validated
/// again with the refreshed keys. Waiting for discovery is bounded by
/// <see cref="Saml2BearerOptions.BackchannelTimeout"/>. One instance per scheme state.
/// </summary>
internal sealed class Saml2BearerTokenClaimsValidator
{
    private static readonly HashSet<string> SkippedClaimTypes = new(StringComparer.Ordinal)
    {
        "exp", "nbf", "iat", "jti", "aud", "iss", "scope", "scp", "nonce", "at_hash", "c_hash", "azp", "auth_time",
    };

    /// <summary>The prefix of OpenIddict's private claims (token and authorization ids, presenters, dates).</summary>
    private const string OpenIddictPrivateClaimPrefix = "oi_";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SigningKeyRefresh<OpenIdConnectConfiguration> _keyRefresh = new();

    /// <summary>
    /// Validates the response's JWTs. Returns the claims to add, or <see langword="null"/> when a JWT
    /// failed validation or the discovery document and keys could not be had in time.
    /// </summary>
    public async Task<IReadOnlyList<Claim>?> ValidateAsync(Saml2BearerOptions options, Saml2BearerTokenResponse response, CancellationToken cancellationToken)
    {
        if (options.ConfigurationManager is null)
        {
            return [];
        }

        var timeProvider = options.TimeProvider ?? TimeProvider.System;
        using var deadline = new CancellationTokenSource(options.BackchannelTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await ValidateCoreAsync(options, response, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Discovery or the refresh outlived the deadline: like a token endpoint that does not answer.
            return null;
        }
    }

    private async Task<IReadOnlyList<Claim>?> ValidateCoreAsync(Saml2BearerOptions options, Saml2BearerTokenResponse response, CancellationToken cancellationToken)
    {
        var manager = options.ConfigurationManager!;
        // The manager fetches with CancellationToken.None, one caller at a time: stop waiting at the deadline.
        var configuration = await manager.GetConfigurationAsync(cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        var claims = new List<Claim>();
        if (options.ValidateJwtAccessTokens && _handler.CanReadToken(response.AccessToken) && LooksLikeJws(response.AccessToken))
        {
            (var identity, configuration) = await ValidateJwtAsync(options, configuration, response.AccessToken, isIdToken: false, cancellationToken).ConfigureAwait(false);
            if (identity is null)
            {
                return null;
            }

            if (options.MapAccessTokenClaims)
            {
                AddClaims(claims, identity, options.MapOpenIddictPrivateClaims);
            }
        }

        if (response.IdToken is not null)
        {
            (var identity, _) = await ValidateJwtAsync(options, configuration, response.IdToken, isIdToken: true, cancellationToken).ConfigureAwait(false);
            if (identity is null)
            {
                return null;
            }

            AddClaims(claims, identity, options.MapOpenIddictPrivateClaims);
        }

        return claims;
    }

    /// <summary>Whether the principal can rest on the response alone (TrustAuthorizationServer mode).</summary>
    public bool CanVouch(Saml2BearerOptions options, Saml2BearerTokenResponse response) =>
        response.IdToken is not null
        || (options.ValidateJwtAccessTokens && _handler.CanReadToken(response.AccessToken) && LooksLikeJws(response.AccessToken));

    /// <summary>
    /// Validates one JWT; when its key is unknown, once more with refreshed keys. Returns the identity (or
    /// <see langword="null"/>) and the configuration to validate the next JWT of the response with.
    /// </summary>
    private async Task<(ClaimsIdentity? Identity, OpenIdConnectConfiguration Configuration)> ValidateJwtAsync(
        Saml2BearerOptions options, OpenIdConnectConfiguration configuration, string token, bool isIdToken, CancellationToken cancellationToken)
    {
        var result = await ValidateJwtAsync(options, configuration, token, isIdToken).ConfigureAwait(false);
        if (result.IsValid || result.Exception is not SecurityTokenSignatureKeyNotFoundException)
        {
            return (result.IsValid ? result.ClaimsIdentity : null, configuration);
        }

        var refreshed = await _keyRefresh.RefreshAsync(options.ConfigurationManager!, configuration, options.RefreshInterval, options.BackchannelTimeout, cancellationToken).ConfigureAwait(false);
        if (refreshed is null)
        {
            return (null, configuration);
        }

        result = await ValidateJwtAsync(options, refreshed, token, isIdToken).ConfigureAwait(false);
        return (result.IsValid ? result.ClaimsIdentity : null, refreshed);
    }

    private async Task<TokenValidationResult> ValidateJwtAsync(Saml2BearerOptions options, OpenIdConnectConfiguration configuration, string token, bool isIdToken)
    {
        var parameters = options.TokenValidationParameters.Clone();
        parameters.ValidIssuer ??= configuration.Issuer;
        parameters.IssuerSigningKeys = configuration.SigningKeys;
        parameters.ValidateIssuer = true;
        parameters.ValidateAudience = true;
        parameters.ValidateLifetime = true;
        parameters.RequireSignedTokens = true;
        if (parameters.ValidAudience is null && (parameters.ValidAudiences is null || !parameters.ValidAudiences.Any()))
        {
            parameters.ValidAudience = options.ClientId;
        }

        if (isIdToken)
        {
            // An ID token's audience is always the client (OpenID Connect Core 3.1.3.7).
            parameters.ValidAudience = options.ClientId;
            parameters.ValidAudiences = null;
        }

        var timeProvider = options.TimeProvider ?? TimeProvider.System;
        parameters.LifetimeValidator = (notBefore, expires, _, validationParameters) =>
        {
            var now = timeProvider.GetUtcNow().UtcDateTime;
            return expires is { } exp && now < exp.ToUniversalTime() + validationParameters.ClockSkew
                && (notBefore is not { } nbf || nbf.ToUniversalTime() <= now + validationParameters.ClockSkew);
        };

        return await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
    }

    private static void AddClaims(List<Claim> claims, ClaimsIdentity identity, bool includeOpenIddictPrivateClaims)
    {
        foreach (var claim in identity.Claims)
        {
            if (!includeOpenIddictPrivateClaims && claim.Type.StartsWith(OpenIddictPrivateClaimPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!SkippedClaimTypes.Contains(claim.Type) && !claims.Exists(c => c.Type == claim.Type && c.Value == claim.Value))
            {
                claims.Add(new Claim(claim.Type, claim.Value, claim.ValueType, claim.Issuer));
            }
        }

        foreach (var scopeClaim in identity.FindAll(c => c.Type is "scope" or "scp"))
        {
            foreach (var scope in scopeClaim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!claims.Exists(c => c.Type == Saml2BearerDefaults.ScopeClaimType && c.Value == scope))
                {
                    claims.Add(new Claim(Saml2BearerDefaults.ScopeClaimType, scope, ClaimValueTypes.String, scopeClaim.Issuer));
                }
            }
        }
    }

    /// <summary>A JWS has three dot-separated parts; a JWE (five parts) cannot be validated here.</summary>
    private static bool LooksLikeJws(string token) => token.AsSpan().Count('.') == 2;
}
