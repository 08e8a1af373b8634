using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Validates a token request of the SAML 2.0 bearer grant after OpenIddict has authenticated the
/// client: the assertion is present, decodes, passes RFC 7522 section 3, and has not been used before.
/// Every rejection is <c>invalid_grant</c> (or <c>invalid_request</c> for a missing parameter) with a
/// fixed description.
/// </summary>
internal sealed class ValidateSaml2BearerTokenRequest : IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    private readonly Saml2BearerGrantValidatorProvider _validators;
    private readonly ISaml2AssertionReplayStore _replayStore;
    private readonly ILogger _logger;

    public ValidateSaml2BearerTokenRequest(
        Saml2BearerGrantValidatorProvider validators,
        ISaml2AssertionReplayStore replayStore,
        ILogger<ValidateSaml2BearerTokenRequest> logger)
    {
        _validators = validators;
        _replayStore = replayStore;
        _logger = logger;
    }

    /// <summary>
    /// Runs after every built-in validation of the token request, client authentication included, so an
    /// unauthenticated caller can neither probe assertions nor burn their IDs.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseSingletonHandler<ValidateSaml2BearerTokenRequest>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateGrantedScopes.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Saml2BearerGrantDefaults.IsSamlTokenRequest(context.Request))
        {
            return;
        }

        // RFC 7522 carries the assertion as 'assertion'; RFC 8693 as 'subject_token' (OpenIddict has
        // already required it and checked its type against the enabled subject token types).
        var tokenExchange = Saml2BearerGrantDefaults.IsSamlTokenExchange(context.Request.GrantType, context.Request.SubjectTokenType);
        if (tokenExchange && context.Request.ActorToken is not null)
        {
            // Delegation would need the actor's identity in the issued token; refusing beats dropping it.
            Saml2BearerGrantLog.ActorTokenRefused(_logger, context.ClientId);
            context.Reject(OpenIddictConstants.Errors.InvalidRequest, Saml2BearerGrantDefaults.ActorTokenNotSupportedDescription);
            return;
        }

        var encoded = tokenExchange
            ? context.Request.SubjectToken
            : context.Request.GetParameter(Saml2BearerGrantDefaults.AssertionParameter)?.GetRawValue() as string;
        if (string.IsNullOrWhiteSpace(encoded))
        {
            Saml2BearerGrantLog.AssertionMissing(_logger, context.ClientId);
            context.Reject(OpenIddictConstants.Errors.InvalidRequest, Saml2BearerGrantDefaults.MissingAssertionDescription);
            return;
        }

        var validator = _validators.GetValidator(context);
        var result = await validator.ValidateAsync(encoded, context.CancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            Saml2BearerGrantLog.AssertionRejected(_logger, context.ClientId, result.FailureReason, (int)result.FailureReason);
            context.Reject(OpenIddictConstants.Errors.InvalidGrant, Saml2BearerGrantDefaults.InvalidAssertionDescription);
            return;
        }

        var assertion = result.Assertion;
        if (Saml2BearerGrantDefaults.RequiredVersion(context.Request) is { } required && assertion.Version != required)
        {
            // saml1_1-bearer and subject_token_type saml1 name SAML 1.1; saml2 names SAML 2.0.
            Saml2BearerGrantLog.AssertionRejected(_logger, context.ClientId, Saml2AssertionFailureReason.UnsupportedVersion, (int)Saml2AssertionFailureReason.UnsupportedVersion);
            context.Reject(OpenIddictConstants.Errors.InvalidGrant, Saml2BearerGrantDefaults.InvalidAssertionDescription);
            return;
        }

        // The validator accepts the assertion until ValidTo plus the clock skew: remember it that long.
        var rememberUntil = assertion.ValidTo + validator.Parameters.ClockSkew;
        if (!await _replayStore.TryAddAsync(assertion.Issuer, assertion.Id, rememberUntil, context.CancellationToken).ConfigureAwait(false))
        {
            Saml2BearerGrantLog.AssertionReplayed(_logger, context.ClientId, assertion.Issuer);
            context.Reject(OpenIddictConstants.Errors.InvalidGrant, Saml2BearerGrantDefaults.ReplayedAssertionDescription);
            return;
        }

        Saml2BearerGrantLog.AssertionAccepted(_logger, context.ClientId, assertion.Issuer);
        context.Transaction.Properties[Saml2BearerGrantDefaults.AssertionTransactionProperty] = assertion;
    }
}
