using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Events;

/// <summary>Raised when an authenticated caller is forbidden (403).</summary>
public sealed class ForbiddenContext : ResultContext<Saml2BearerOptions>
{
    /// <summary>Creates the context.</summary>
    /// <param name="context">The request.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="options">The scheme's options.</param>
    public ForbiddenContext(HttpContext context, AuthenticationScheme scheme, Saml2BearerOptions options)
        : base(context, scheme, options)
    {
    }
}
