using AspNetCore.Saml2Bearer;
using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the SAML 2.0 bearer authentication scheme.
/// </summary>
public static class Saml2BearerExtensions
{
    /// <summary>
    /// Adds the scheme <see cref="Saml2BearerDefaults.AuthenticationScheme"/>, configured from
    /// <c>Authentication:Schemes:Saml2Bearer</c>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddSaml2Bearer(this AuthenticationBuilder builder) =>
        builder.AddSaml2Bearer(Saml2BearerDefaults.AuthenticationScheme, displayName: null, configureOptions: null);

    /// <summary>Adds the scheme <see cref="Saml2BearerDefaults.AuthenticationScheme"/>.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configureOptions">Configures the options, after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddSaml2Bearer(this AuthenticationBuilder builder, Action<Saml2BearerOptions>? configureOptions) =>
        builder.AddSaml2Bearer(Saml2BearerDefaults.AuthenticationScheme, displayName: null, configureOptions);

    /// <summary>
    /// Adds a SAML 2.0 bearer scheme named <paramref name="authenticationScheme"/>, configured from
    /// <c>Authentication:Schemes:&lt;authenticationScheme&gt;</c>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddSaml2Bearer(this AuthenticationBuilder builder, string authenticationScheme) =>
        builder.AddSaml2Bearer(authenticationScheme, displayName: null, configureOptions: null);

    /// <summary>Adds a SAML 2.0 bearer scheme named <paramref name="authenticationScheme"/>.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="configureOptions">Configures the options, after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddSaml2Bearer(this AuthenticationBuilder builder, string authenticationScheme, Action<Saml2BearerOptions>? configureOptions) =>
        builder.AddSaml2Bearer(authenticationScheme, displayName: null, configureOptions);

    /// <summary>
    /// Adds a SAML 2.0 bearer scheme. Its options are bound from
    /// <c>Authentication:Schemes:&lt;scheme&gt;</c>, then <paramref name="configureOptions"/> runs, and the
    /// result is validated when the host starts.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="displayName">The display name, or <see langword="null"/>.</param>
    /// <param name="configureOptions">Configures the options, after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddSaml2Bearer(
        this AuthenticationBuilder builder,
        string authenticationScheme,
        string? displayName,
        Action<Saml2BearerOptions>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        // Asked for only by Assertion:EnforceOneTimeUse; AddSaml2BearerRedis replaces it with the shared one.
        services.TryAddSingleton<ISaml2AssertionReplayStore, MemorySaml2AssertionReplayStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<Saml2BearerOptions>, Saml2BearerConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<Saml2BearerOptions>, Saml2BearerPostConfigureOptions>());
        Saml2BearerServices.AddTokenService(services, authenticationScheme);
        services.AddOptions<Saml2BearerOptions>(authenticationScheme).ValidateOnStart();
        return builder.AddScheme<Saml2BearerOptions, Saml2BearerHandler>(authenticationScheme, displayName, configureOptions);
    }
}
