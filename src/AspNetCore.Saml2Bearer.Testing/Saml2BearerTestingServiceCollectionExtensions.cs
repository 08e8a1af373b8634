using AspNetCore.Saml2Bearer;
using AspNetCore.Saml2Bearer.Testing;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Makes a Saml2Bearer scheme testable in one call, typically from
/// <c>WebApplicationFactory.WithWebHostBuilder(b =&gt; b.ConfigureTestServices(...))</c>: the scheme trusts a
/// <see cref="TestSaml2IdentityProvider"/> and exchanges assertions with a <see cref="FakeSaml2BearerTokenService"/>.
/// </summary>
public static class Saml2BearerTestingServiceCollectionExtensions
{
    /// <summary>
    /// Makes the scheme <see cref="Saml2BearerDefaults.AuthenticationScheme"/> trust
    /// <paramref name="identityProvider"/> and exchange assertions with a <see cref="FakeSaml2BearerTokenService"/>.
    /// See <see cref="AddSaml2BearerTestIdentityProvider(IServiceCollection, TestSaml2IdentityProvider, string)"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="identityProvider">The identity provider whose assertions the test sends; the test owns (and disposes) it.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddSaml2BearerTestIdentityProvider(this IServiceCollection services, TestSaml2IdentityProvider identityProvider) =>
        services.AddSaml2BearerTestIdentityProvider(identityProvider, Saml2BearerDefaults.AuthenticationScheme);

    /// <summary>
    /// Makes the scheme <paramref name="authenticationScheme"/> trust <paramref name="identityProvider"/>
    /// and exchange assertions with a <see cref="FakeSaml2BearerTokenService"/>, so a test needs neither an
    /// identity provider's certificate nor an authorization server, a token endpoint or a client secret.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The call may come before or after <c>AddSaml2Bearer()</c>. Whatever <see cref="ISaml2BearerTokenService"/>
    /// was registered is replaced, and <c>AddSaml2Bearer()</c> adds its HTTP implementation only when none is
    /// registered. Every scheme shares the one <see cref="FakeSaml2BearerTokenService"/>, registered as itself
    /// too: resolve it from the test server's services to count exchanges or set its
    /// <see cref="FakeSaml2BearerTokenService.Responder"/>.
    /// </para>
    /// <para>
    /// The scheme's options are post-configured, after configuration binding and the application's own
    /// <c>configureOptions</c>: the identity provider's <see cref="TestSaml2IdentityProvider.EntityId"/> is trusted
    /// with its <see cref="TestSaml2IdentityProvider.SigningCertificate"/> (identity providers the application
    /// configured stay trusted), its <see cref="TestSaml2IdentityProvider.DefaultAudience"/> and
    /// <see cref="TestSaml2IdentityProvider.DefaultRecipient"/> become valid; when no token endpoint is
    /// configured, the recipient stands in as the token endpoint; client authentication without credentials
    /// becomes <see cref="Saml2BearerClientAuthenticationMethod.None"/>; and <see cref="Saml2BearerOptions.Authority"/>
    /// is cleared, so no discovery document or JWKS is fetched (the fake's tokens are opaque).
    /// </para>
    /// </remarks>
    /// <param name="services">The application's services.</param>
    /// <param name="identityProvider">The identity provider whose assertions the test sends; the test owns (and disposes) it.</param>
    /// <param name="authenticationScheme">The scheme to configure; call once per scheme.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddSaml2BearerTestIdentityProvider(this IServiceCollection services, TestSaml2IdentityProvider identityProvider, string authenticationScheme)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(identityProvider);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);

        UseFakeTokenService(services);
        services.PostConfigure<Saml2BearerOptions>(authenticationScheme, options => Trust(options, identityProvider));
        return services;
    }

    private static void UseFakeTokenService(IServiceCollection services)
    {
        var fake = services.LastOrDefault(d => d.ServiceType == typeof(FakeSaml2BearerTokenService) && !d.IsKeyedService)?.ImplementationInstance
            as FakeSaml2BearerTokenService;
        if (fake is null)
        {
            fake = new FakeSaml2BearerTokenService();
            services.AddSingleton(fake);
        }

        services.RemoveAll<ISaml2BearerTokenService>();
        services.AddSingleton<ISaml2BearerTokenService>(fake);
    }

    private static void Trust(Saml2BearerOptions options, TestSaml2IdentityProvider identityProvider)
    {
        var assertion = options.Assertion;
        for (var i = assertion.IdentityProviders.Count - 1; i >= 0; i--)
        {
            if (string.Equals(assertion.IdentityProviders[i].EntityId, identityProvider.EntityId, StringComparison.Ordinal))
            {
                assertion.IdentityProviders.RemoveAt(i);
            }
        }

        identityProvider.Trust(assertion);
        AddOnce(assertion.ValidAudiences, identityProvider.DefaultAudience);
        AddOnce(assertion.ValidRecipients, identityProvider.DefaultRecipient);

        options.Authority = null;
        options.MetadataAddress = null;
        options.ConfigurationManager = null;
        if (string.IsNullOrEmpty(options.TokenEndpoint))
        {
            options.TokenEndpoint = identityProvider.DefaultRecipient;
        }

        var hasCredentials = options.ClientAuthenticationMethod switch
        {
            Saml2BearerClientAuthenticationMethod.ClientSecretBasic or Saml2BearerClientAuthenticationMethod.ClientSecretPost =>
                !string.IsNullOrEmpty(options.ClientId) && !string.IsNullOrEmpty(options.ClientSecret),
            Saml2BearerClientAuthenticationMethod.PrivateKeyJwt => !string.IsNullOrEmpty(options.ClientId) && options.ClientSigningCredentials is not null,
            _ => true,
        };
        if (!hasCredentials)
        {
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.None;
        }
    }

    private static void AddOnce(IList<string> values, string value)
    {
        if (!values.Contains(value))
        {
            values.Add(value);
        }
    }
}
