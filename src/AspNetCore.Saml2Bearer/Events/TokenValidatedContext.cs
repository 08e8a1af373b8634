using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Events;

/// <summary>
/// Raised when the principal has been built. An event may add claims to <c>Principal</c>, or reject
/// with <c>Fail</c>.
/// </summary>
public sealed class TokenValidatedContext : ResultContext<Saml2BearerOptions>
{
    /// <summary>Creates the context.</summary>
    /// <param name="context">The request.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="options">The scheme's options.</param>
    /// <param name="assertion">The validated assertion, or <see langword="null"/>.</param>
    /// <param name="tokenResponse">The token response the principal rests on.</param>
    public TokenValidatedContext(HttpContext context, AuthenticationScheme scheme, Saml2BearerOptions options, Saml2Assertion? assertion, Saml2BearerTokenResponse tokenResponse)
        : base(context, scheme, options)
    {
        Assertion = assertion;
        TokenResponse = tokenResponse;
    }

    /// <summary>The validated assertion, when it was validated locally.</summary>
    public Saml2Assertion? Assertion { get; }

    /// <summary>The token response.</summary>
    public Saml2BearerTokenResponse TokenResponse { get; }
}
