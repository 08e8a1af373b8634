using System.Security.Claims;
using AspNetCore.Saml2Bearer.Caching;
using Microsoft.AspNetCore.Authentication;

namespace AspNetCore.Saml2Bearer.Claims;

/// <summary>
/// A principal and its authentication properties as built once for one validated assertion and one
/// cached token. Every request gets its own copies, since applications (claims transformation, the
/// <c>OnTokenValidated</c> event) may change what they receive.
/// </summary>
internal sealed class Saml2BearerPrincipalTemplate
{
    private readonly ClaimsIdentity _identity;
    private readonly Dictionary<string, string?> _items;

    public Saml2BearerPrincipalTemplate(Saml2BearerCachedToken token, ClaimsIdentity identity, AuthenticationProperties properties)
    {
        Token = token;
        _identity = identity;
        _items = new Dictionary<string, string?>(properties.Items, StringComparer.Ordinal);
    }

    /// <summary>The cached token the template was built with.</summary>
    public Saml2BearerCachedToken Token { get; }

    /// <summary>A new principal with copies of the template's claims.</summary>
    public ClaimsPrincipal CreatePrincipal() => new(_identity.Clone());

    /// <summary>New properties holding the template's items.</summary>
    public AuthenticationProperties CreateProperties() => new(new Dictionary<string, string?>(_items, StringComparer.Ordinal));
}
