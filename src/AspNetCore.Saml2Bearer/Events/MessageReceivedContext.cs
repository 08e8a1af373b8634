using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Events;

/// <summary>
/// Raised first: an event may supply the assertion from anywhere by setting <see cref="Assertion"/>.
/// </summary>
public sealed class MessageReceivedContext : ResultContext<Saml2BearerOptions>
{
    /// <summary>Creates the context.</summary>
    /// <param name="context">The request.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="options">The scheme's options.</param>
    public MessageReceivedContext(HttpContext context, AuthenticationScheme scheme, Saml2BearerOptions options)
        : base(context, scheme, options)
    {
    }

    /// <summary>The encoded assertion. When an event sets it, the handler does not read the request.</summary>
    public string? Assertion { get; set; }
}
