using System.Security.Claims;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;

namespace AspNetCore.Saml2Bearer.Claims;

/// <summary>
/// Builds the <see cref="ClaimsPrincipal"/> of a request: NameID, issuer, authentication context and
/// attributes from the validated assertion, the granted scopes, and the claims of validated JWTs.
/// </summary>
internal static class Saml2BearerPrincipalFactory
{
    public static ClaimsPrincipal Create(string scheme, Saml2BearerOptions options, Saml2Assertion? assertion, Saml2BearerCachedToken token)
    {
        var identity = new ClaimsIdentity(scheme, options.NameClaimType, options.RoleClaimType);
        if (assertion is not null)
        {
            AddAssertionClaims(identity, options, assertion);
        }

        foreach (var claim in token.TokenClaims)
        {
            // The AS often repeats the assertion's attributes in its JWT: keep one of each.
            if (!identity.HasClaim(claim.Type, claim.Value))
            {
                identity.AddClaim(claim);
            }
        }

        // RFC 6749 section 5.1: when the response omits scope, the granted scope is the requested one.
        var scope = token.Response.Scope ?? options.Scope;
        var authorizationServer = options.Authority ?? options.TokenEndpoint ?? ClaimsIdentity.DefaultIssuer;
        if (!string.IsNullOrEmpty(scope))
        {
            foreach (var granted in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!identity.HasClaim(Saml2BearerDefaults.ScopeClaimType, granted))
                {
                    identity.AddClaim(new Claim(Saml2BearerDefaults.ScopeClaimType, granted, ClaimValueTypes.String, authorizationServer));
                }
            }
        }

        return new ClaimsPrincipal(identity);
    }

    private static void AddAssertionClaims(ClaimsIdentity identity, Saml2BearerOptions options, Saml2Assertion assertion)
    {
        var issuer = assertion.Issuer;
        var nameId = assertion.NameId;
        var nameIdentifier = new Claim(ClaimTypes.NameIdentifier, nameId.Value, ClaimValueTypes.String, issuer);
        if (nameId.Format is not null)
        {
            nameIdentifier.Properties[Saml2BearerDefaults.NameIdFormatClaimType] = nameId.Format;
        }

        identity.AddClaim(nameIdentifier);
        if (options.NameClaimType != ClaimTypes.NameIdentifier)
        {
            identity.AddClaim(new Claim(options.NameClaimType, nameId.Value, ClaimValueTypes.String, issuer));
        }

        if (nameId.Format is not null)
        {
            identity.AddClaim(new Claim(Saml2BearerDefaults.NameIdFormatClaimType, nameId.Format, ClaimValueTypes.String, issuer));
        }

        identity.AddClaim(new Claim(Saml2BearerDefaults.AssertionIssuerClaimType, issuer, ClaimValueTypes.String, issuer));
        identity.AddClaim(new Claim(
            Saml2BearerDefaults.AssertionVersionClaimType,
            assertion.Version == Saml2AssertionVersion.Saml11 ? "1.1" : "2.0",
            ClaimValueTypes.String,
            issuer));
        foreach (var statement in assertion.AuthenticationStatements)
        {
            if (statement.AuthenticationContextClassReference is { } classReference)
            {
                identity.AddClaim(new Claim(Saml2BearerDefaults.AuthenticationContextClassClaimType, classReference, ClaimValueTypes.String, issuer));
            }
        }

        foreach (var attribute in assertion.Attributes)
        {
            // A SAML 1.1 attribute is named by AttributeNamespace + "/" + AttributeName, as WIF and AD FS
            // name claims; a map entry may use that full name or the bare AttributeName.
            var name = attribute.AttributeNamespace is { } attributeNamespace
                ? string.Concat(attributeNamespace.TrimEnd('/'), "/", attribute.Name)
                : attribute.Name;
            var claimType = options.AttributeClaimTypeMap.TryGetValue(name, out var mapped) ? mapped
                : attribute.AttributeNamespace is not null && options.AttributeClaimTypeMap.TryGetValue(attribute.Name, out mapped) ? mapped
                : name;
            foreach (var value in attribute.Values)
            {
                identity.AddClaim(new Claim(claimType, value, ClaimValueTypes.String, issuer));
            }
        }
    }
}
