using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Events;

/// <summary>
/// Raised when authentication failed: the assertion was rejected, the token was refused, or the
/// authorization server failed. An event may still produce a result.
/// </summary>
public sealed class AuthenticationFailedContext : ResultContext<Saml2BearerOptions>
{
    /// <summary>Creates the context.</summary>
    /// <param name="context">The request.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="options">The scheme's options.</param>
    /// <param name="failure">What failed.</param>
    public AuthenticationFailedContext(HttpContext context, AuthenticationScheme scheme, Saml2BearerOptions options, Saml2BearerAuthenticationException failure)
        : base(context, scheme, options)
    {
        Failure = failure;
    }

    /// <summary>What failed, with its reason code.</summary>
    public Saml2BearerAuthenticationException Failure { get; }
}
