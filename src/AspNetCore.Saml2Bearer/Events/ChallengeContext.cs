using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Events;

/// <summary>
/// Raised before the 401 (or 503) challenge is written. An event may change the error fields or write
/// the response itself and call <see cref="HandleResponse"/>.
/// </summary>
public sealed class ChallengeContext : PropertiesContext<Saml2BearerOptions>
{
    /// <summary>Creates the context.</summary>
    /// <param name="context">The request.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="options">The scheme's options.</param>
    /// <param name="properties">The challenge properties.</param>
    public ChallengeContext(HttpContext context, AuthenticationScheme scheme, Saml2BearerOptions options, AuthenticationProperties properties)
        : base(context, scheme, options, properties)
    {
    }

    /// <summary>The failure that led to the challenge, or <see langword="null"/> when no credentials were sent.</summary>
    public Saml2BearerAuthenticationException? AuthenticateFailure { get; set; }

    /// <summary>The RFC 6750 <c>error</c> (e.g. <c>invalid_token</c>), or <see langword="null"/>.</summary>
    public string? Error { get; set; }

    /// <summary>The RFC 6750 <c>error_description</c>, or <see langword="null"/>. Never holds caller text.</summary>
    public string? ErrorDescription { get; set; }

    /// <summary>Whether an event wrote the response, so the handler must not.</summary>
    public bool Handled { get; private set; }

    /// <summary>Tells the handler that the event wrote the response.</summary>
    public void HandleResponse() => Handled = true;
}
