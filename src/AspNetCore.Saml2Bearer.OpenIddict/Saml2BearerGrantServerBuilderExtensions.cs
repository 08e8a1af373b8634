using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.OpenIddict;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the SAML 2.0 bearer assertion grant (RFC 7522) on an OpenIddict server.
/// </summary>
public static class Saml2BearerGrantServerBuilderExtensions
{
    /// <summary>
    /// Lets the OpenIddict server accept <c>grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer</c>:
    /// the grant type is allowed (and advertised in discovery), token requests carrying it are validated
    /// with <see cref="Saml2AssertionValidator"/> after OpenIddict has
    /// authenticated the client, replays are refused, and the assertion's subject is signed in.
    /// Clients need the permissions <c>ept:token</c> and <c>gt:</c> + the grant type URN, as for any grant.
    /// With <c>Assertion.AllowSaml11</c> on, <c>urn:ietf:params:oauth:grant-type:saml1_1-bearer</c> is accepted
    /// too (clients then need <c>gt:</c> + that URN). With <see cref="Saml2BearerGrantOptions.AllowTokenExchange"/> on,
    /// the assertion is accepted as the <c>subject_token</c> of an RFC 8693 token exchange as well.
    /// No token issued from an assertion with a <c>SessionNotOnOrAfter</c>, nor refreshed from such a token, expires
    /// after it; once it has passed, the grant and the refresh token grant are refused with <c>invalid_grant</c>.
    /// </summary>
    /// <param name="builder">The OpenIddict server builder.</param>
    /// <param name="configure">Configures the trusted identity providers and the claims, scopes and resources issued.</param>
    /// <returns>The builder.</returns>
    public static OpenIddictServerBuilder AddSaml2BearerGrant(this OpenIddictServerBuilder builder, Action<Saml2BearerGrantOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);

        builder.Services.AddOptions<Saml2BearerGrantOptions>()
            .Configure(configure)
            .Validate(ValidateOptions)
            .ValidateOnStart();
        builder.Services.TryAddSingleton<Saml2BearerGrantValidatorProvider>();
        // One instance's memory; a cluster registers a shared store (Redis, EF Core) before or after this call.
        builder.Services.TryAddSingleton<ISaml2AssertionReplayStore>(static services =>
            new MemorySaml2AssertionReplayStore(services.GetRequiredService<IOptions<Saml2BearerGrantOptions>>().Value.Assertion.TimeProvider));

        // The SAML 1.1 grant type exists only when the options (configured later) allow SAML 1.1.
        builder.Services.AddOptions<OpenIddict.Server.OpenIddictServerOptions>()
            .Configure<IOptions<Saml2BearerGrantOptions>>((server, grant) =>
            {
                if (grant.Value.Assertion.AllowSaml11)
                {
                    server.GrantTypes.Add(Saml2BearerGrantDefaults.Saml11GrantType);
                }

                if (grant.Value.AllowTokenExchange)
                {
                    AddOnce(server.GrantTypes, Saml2BearerGrantDefaults.TokenExchangeGrantType);
                    AddOnce(server.SubjectTokenTypes, Saml2BearerGrantDefaults.Saml2SubjectTokenType);
                    if (grant.Value.Assertion.AllowSaml11)
                    {
                        AddOnce(server.SubjectTokenTypes, Saml2BearerGrantDefaults.Saml1SubjectTokenType);
                    }
                }
            });

        return builder
            .AllowCustomFlow(Saml2BearerGrantDefaults.GrantType)
            .AddEventHandler(SkipSamlSubjectTokenValidation.Descriptor)
            .AddEventHandler(ValidateSaml2BearerTokenRequest.Descriptor)
            .AddEventHandler(HandleSaml2BearerTokenRequest.Descriptor)
            .AddEventHandler(LimitTokenLifetimesToSamlSession.Descriptor)
            .AddEventHandler(ValidateSamlSessionOfRefreshToken.Descriptor)
            .AddEventHandler(AttachSaml2BearerUnavailableStatus.Descriptor);
    }

    private static void AddOnce(ICollection<string> values, string value)
    {
        if (!values.Contains(value))
        {
            values.Add(value);
        }
    }

    private static bool ValidateOptions(Saml2BearerGrantOptions options)
    {
        // Throwing gives a message a person can act on, where returning false gives a generic one.
        options.Validate();
        return true;
    }
}
