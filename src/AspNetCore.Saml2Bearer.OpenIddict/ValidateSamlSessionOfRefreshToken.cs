using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Refuses a refresh token whose identity provider's session (<see cref="Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim"/>)
/// has ended, with <see cref="Saml2BearerGrantDefaults.SessionEndedDescription"/>. Such a refresh token has expired
/// by then too (<see cref="LimitTokenLifetimesToSamlSession"/> capped it), so this says why, and holds for a refresh
/// token whose expiration was not capped (issued under another setting, lifetime validation disabled).
/// The error is <c>invalid_token</c>, as OpenIddict's own expiration check gives: the token endpoint answers it as
/// <c>invalid_grant</c>, introspection as an inactive token, revocation as success (RFC 7009).
/// </summary>
internal sealed class ValidateSamlSessionOfRefreshToken : IOpenIddictServerHandler<ValidateTokenContext>
{
    private readonly ILogger _logger;

    public ValidateSamlSessionOfRefreshToken(ILogger<ValidateSamlSessionOfRefreshToken> logger) => _logger = logger;

    /// <summary>Once the token's principal is known and checked, before OpenIddict's expiration and token entry checks.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<ValidateSamlSessionOfRefreshToken>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidatePrincipal.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Principal is not { } principal
            || principal.GetTokenType() is not (TokenTypeIdentifiers.RefreshToken or TokenTypeHints.RefreshToken)
            || !Saml2BearerGrantSession.TryGetSessionEnd(principal, out var sessionEnd))
        {
            return default;
        }

        var now = (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        if (Saml2BearerGrantSession.HasEnded(sessionEnd, now))
        {
            Saml2BearerGrantLog.RefreshTokenSessionEnded(_logger, context.Request?.ClientId, sessionEnd);
            context.Reject(Errors.InvalidToken, Saml2BearerGrantDefaults.SessionEndedDescription);
        }

        return default;
    }
}
