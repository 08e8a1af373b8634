using Microsoft.Extensions.Logging;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Keeps every token issued for a principal that carries the identity provider's session end
/// (<see cref="Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim"/>) inside that session: the SAML grants and token
/// exchange, whose principal comes from the assertion, and the refresh token grant, whose principal comes from a
/// refresh token issued by one of them. The access, issued, identity and refresh tokens expire at the session
/// end at the latest, whatever lifetime OpenIddict, the client's settings or the principal chose; a session that
/// has already ended gets no token at all (<c>invalid_grant</c>).
/// </summary>
internal sealed class LimitTokenLifetimesToSamlSession : IOpenIddictServerHandler<ProcessSignInContext>
{
    private readonly ILogger _logger;

    public LimitTokenLifetimesToSamlSession(ILogger<LimitTokenLifetimesToSamlSession> logger) => _logger = logger;

    /// <summary>
    /// After OpenIddict has prepared every token principal (and set each expiration date), before any token is generated.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<LimitTokenLifetimesToSamlSession>()
            .SetOrder(OpenIddictServerHandlers.PrepareUserCodePrincipal.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Saml2BearerGrantSession.TryGetSessionEnd(context.Principal, out var sessionEnd))
        {
            return default;
        }

        var now = (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        if (Saml2BearerGrantSession.HasEnded(sessionEnd, now))
        {
            // An assertion still valid for a session already over, or a refresh racing the session end: no token.
            Saml2BearerGrantLog.SessionEnded(_logger, context.ClientId, context.Request?.GrantType, sessionEnd);
            context.Reject(Errors.InvalidGrant, Saml2BearerGrantDefaults.SessionEndedDescription);
            return default;
        }

        Saml2BearerGrantSession.LimitExpiration(context.AccessTokenPrincipal, sessionEnd);
        Saml2BearerGrantSession.LimitExpiration(context.IssuedTokenPrincipal, sessionEnd);
        Saml2BearerGrantSession.LimitExpiration(context.IdentityTokenPrincipal, sessionEnd);
        Saml2BearerGrantSession.LimitExpiration(context.RefreshTokenPrincipal, sessionEnd);
        Saml2BearerGrantLog.TokensLimitedToSession(_logger, context.ClientId, context.Request?.GrantType, sessionEnd);
        return default;
    }
}
