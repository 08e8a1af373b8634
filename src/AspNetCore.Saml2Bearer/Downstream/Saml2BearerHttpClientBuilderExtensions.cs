using AspNetCore.Saml2Bearer.Downstream;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the downstream handler that calls APIs on behalf of the user with the exchanged token.
/// </summary>
public static class Saml2BearerHttpClientBuilderExtensions
{
    /// <summary>
    /// Attaches the current user's exchanged access token to every request of this client whose host is
    /// in <see cref="Saml2BearerDownstreamOptions.AllowedHosts"/>, and retries once with a fresh token on
    /// a 401 <c>invalid_token</c>.
    /// </summary>
    /// <param name="builder">The HTTP client builder.</param>
    /// <param name="configure">Configures the allowed hosts and the scheme.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddSaml2BearerAccessToken(this IHttpClientBuilder builder, Action<Saml2BearerDownstreamOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddOptions<Saml2BearerDownstreamOptions>(builder.Name)
            .Configure(configure)
            .Validate(o => o.AllowedHosts.Count > 0, $"{nameof(Saml2BearerDownstreamOptions.AllowedHosts)} is empty: name the hosts the access token may be sent to.")
            .ValidateOnStart();
        var name = builder.Name;
        return builder.AddHttpMessageHandler(services => ActivatorUtilities.CreateInstance<Saml2BearerDownstreamHandler>(services, name));
    }
}
