using System.Security.Claims;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.Claims;

/// <summary>
/// Validates the JWTs of a token response (access token when it is a JWT, and any ID token) against the
/// authorization server's discovered issuer and JWKS before any of their claims are used. A JWT that
/// fails is an authorization-server fault.
/// </summary>
internal sealed class Saml2BearerTokenClaimsValidator
{
    private static readonly HashSet<string> SkippedClaimTypes = new(StringComparer.Ordinal)
    {
        "exp", "nbf", "iat", "jti", "aud", "iss", "scope", "scp", "nonce", "at_hash", "c_hash", "azp", "auth_time",
    };

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>
    /// Validates the response's JWTs. Returns the claims to add, or <see langword="null"/> when a JWT
    /// failed validation.
    /// </summary>
    public async Task<IReadOnlyList<Claim>?> ValidateAsync(Saml2BearerOptions options, Saml2BearerTokenResponse response, CancellationToken cancellationToken)
    {
        if (options.ConfigurationManager is null)
        {
            return [];
        }

        var configuration = await options.ConfigurationManager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        var claims = new List<Claim>();
        if (_handler.CanReadToken(response.AccessToken) && LooksLikeJws(response.AccessToken))
        {
            var result = await ValidateJwtAsync(options, configuration, response.AccessToken, isIdToken: false).ConfigureAwait(false);
            if (result is null)
            {
                return null;
            }

            if (options.MapAccessTokenClaims)
            {
                AddClaims(claims, result);
            }
        }

        if (response.IdToken is not null)
        {
            var result = await ValidateJwtAsync(options, configuration, response.IdToken, isIdToken: true).ConfigureAwait(false);
            if (result is null)
            {
                return null;
            }

            AddClaims(claims, result);
        }

        return claims;
    }

    /// <summary>Whether the principal can rest on the response alone (TrustAuthorizationServer mode).</summary>
    public bool CanVouch(Saml2BearerTokenResponse response) =>
        response.IdToken is not null || (_handler.CanReadToken(response.AccessToken) && LooksLikeJws(response.AccessToken));

    private async Task<ClaimsIdentity?> ValidateJwtAsync(Saml2BearerOptions options, OpenIdConnectConfiguration configuration, string token, bool isIdToken)
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

        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        return result.IsValid ? result.ClaimsIdentity : null;
    }

    private static void AddClaims(List<Claim> claims, ClaimsIdentity identity)
    {
        foreach (var claim in identity.Claims)
        {
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
