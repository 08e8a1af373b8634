using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Keeps OpenIddict's own token validation away from a SAML subject token of an RFC 8693 token exchange:
/// OpenIddict can only read the tokens it issues, and would refuse the assertion before
/// <see cref="ValidateSaml2BearerTokenRequest"/> (which runs after client authentication) could validate it.
/// The assertion is then validated there, exactly as under the RFC 7522 grant types, and nowhere else.
/// </summary>
internal sealed class SkipSamlSubjectTokenValidation : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    /// <summary>Runs right after OpenIddict decided which tokens the request must carry.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<SkipSamlSubjectTokenValidation>()
            .SetOrder(OpenIddictServerHandlers.EvaluateValidatedTokens.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.EndpointType == OpenIddictServerEndpointType.Token
            && context.Request is { } request
            && Saml2BearerGrantDefaults.IsSamlTokenExchange(request.GrantType, request.SubjectTokenType))
        {
            context.ExtractSubjectToken = false;
            context.RequireSubjectToken = false;
            context.ValidateSubjectToken = false;
            context.RejectSubjectToken = false;
        }

        return default;
    }
}
