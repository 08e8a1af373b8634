using AspNetCore.Saml2Bearer;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Adds the SAML-to-Bearer exchange middleware.
/// </summary>
public static class Saml2BearerApplicationBuilderExtensions
{
    /// <summary>
    /// Exchanges an incoming SAML credential through the Saml2Bearer scheme and rewrites the request to
    /// <c>Authorization: Bearer &lt;token&gt;</c>, so an API protected by JwtBearer accepts legacy SAML
    /// callers unchanged. Call it before <c>UseAuthentication</c>; register the scheme with
    /// <c>AddSaml2Bearer()</c> without making it the default.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <param name="authenticationScheme">The Saml2Bearer scheme. Default: <see cref="Saml2BearerDefaults.AuthenticationScheme"/>.</param>
    /// <returns>The application.</returns>
    public static IApplicationBuilder UseSaml2BearerExchange(this IApplicationBuilder app, string authenticationScheme = Saml2BearerDefaults.AuthenticationScheme)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);
        return app.UseMiddleware<Saml2BearerExchangeMiddleware>(authenticationScheme);
    }
}
