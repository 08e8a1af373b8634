using System.Security.Claims;
using AspNetCore.Saml2Bearer.Assertions;
using OpenIddict.Abstractions;
using OidcClaims = OpenIddict.Abstractions.OpenIddictConstants.Claims;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Builds the identity of a validated assertion's subject: <c>sub</c> from the NameID, one claim per
/// attribute value, and never a claim type that the token format or OpenIddict reserve.
/// </summary>
internal static class Saml2BearerGrantClaims
{
    private static readonly HashSet<string> ReservedClaimTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        OidcClaims.Subject, OidcClaims.Issuer, OidcClaims.Audience, OidcClaims.ExpiresAt, OidcClaims.NotBefore, OidcClaims.IssuedAt,
        OidcClaims.JwtId, OidcClaims.Scope, OidcClaims.ClientId, OidcClaims.AuthorizedParty, OidcClaims.Nonce, OidcClaims.AccessTokenHash,
        OidcClaims.CodeHash, OidcClaims.TokenUsage, OidcClaims.Active, OidcClaims.Confirmation,

        // An attribute must not forge (or add a later) session end: it comes from the AuthnStatement only.
        Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim,
    };

    /// <summary>The authentication type of the identities created for this grant.</summary>
    public const string AuthenticationType = "Saml2Bearer";

    public static ClaimsIdentity CreateIdentity(Saml2Assertion assertion, Saml2BearerGrantOptions options)
    {
        var identity = new ClaimsIdentity(AuthenticationType, OidcClaims.Name, OidcClaims.Role);
        identity.SetClaim(OidcClaims.Subject, assertion.NameId.Value);
        foreach (var attribute in assertion.Attributes)
        {
            // A SAML 1.1 attribute is named AttributeNamespace + "/" + AttributeName, as WIF and AD FS name claims.
            var name = attribute.AttributeNamespace is { } attributeNamespace
                ? string.Concat(attributeNamespace.TrimEnd('/'), "/", attribute.Name)
                : attribute.Name;
            var claimType = options.ClaimMappings.TryGetValue(name, out var mapped) ? mapped
                : options.IncludeUnmappedAttributes ? name
                : null;
            if (claimType is null || IsReserved(claimType))
            {
                continue;
            }

            foreach (var attributeValue in attribute.Values)
            {
                identity.AddClaim(new Claim(claimType, attributeValue, ClaimValueTypes.String, assertion.Issuer));
            }
        }

        return identity;
    }

    private static bool IsReserved(string claimType) =>
        ReservedClaimTypes.Contains(claimType) || claimType.StartsWith("oi_", StringComparison.OrdinalIgnoreCase);
}
