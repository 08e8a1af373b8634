using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Events;

/// <summary>
/// Raised when the token service returned a token, before it is cached and trusted. An event may
/// replace <see cref="TokenResponse"/> or reject it with <c>Fail</c>.
/// </summary>
public sealed class TokenReceivedContext : ResultContext<Saml2BearerOptions>
{
    /// <summary>Creates the context.</summary>
    /// <param name="context">The request.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="options">The scheme's options.</param>
    /// <param name="assertion">The validated assertion, or <see langword="null"/> in <see cref="Saml2BearerAssertionValidationMode.TrustAuthorizationServer"/> mode.</param>
    /// <param name="tokenResponse">The token response.</param>
    public TokenReceivedContext(HttpContext context, AuthenticationScheme scheme, Saml2BearerOptions options, Saml2Assertion? assertion, Saml2BearerTokenResponse tokenResponse)
        : base(context, scheme, options)
    {
        Assertion = assertion;
        TokenResponse = tokenResponse;
    }

    /// <summary>The validated assertion, when it was validated locally.</summary>
    public Saml2Assertion? Assertion { get; }

    /// <summary>The token response; an event may replace it.</summary>
    public Saml2BearerTokenResponse TokenResponse { get; set; }
}
