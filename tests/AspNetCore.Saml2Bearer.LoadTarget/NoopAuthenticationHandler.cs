using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.LoadTarget;

/// <summary>
/// The floor of any authentication handler: returns Success with a principal holding the same claims the
/// SAML handler gives the load-test subject (<see cref="LoadTargetApp.SubjectClaims"/>), built anew per
/// request, and does no other work. The SAML fast path is measured against it; with the same claims,
/// both requests serialize the same /whoami body, so the difference is the authentication alone.
/// </summary>
public sealed class NoopAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    /// <summary>Creates the handler.</summary>
    public NoopAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : base(options, logger, encoder)
    {
    }

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = new ClaimsIdentity(LoadTargetApp.SubjectClaims("alice@example.com"), Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
