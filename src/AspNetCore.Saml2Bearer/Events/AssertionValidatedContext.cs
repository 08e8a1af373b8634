using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Events;

/// <summary>
/// Raised when the assertion passed local validation, before any token is requested. An event may
/// reject it with <c>Fail</c>.
/// </summary>
public sealed class AssertionValidatedContext : ResultContext<Saml2BearerOptions>
{
    /// <summary>Creates the context.</summary>
    /// <param name="context">The request.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="options">The scheme's options.</param>
    /// <param name="assertion">The validated assertion.</param>
    public AssertionValidatedContext(HttpContext context, AuthenticationScheme scheme, Saml2BearerOptions options, Saml2Assertion assertion)
        : base(context, scheme, options)
    {
        Assertion = assertion;
    }

    /// <summary>The validated assertion.</summary>
    public Saml2Assertion Assertion { get; }
}
