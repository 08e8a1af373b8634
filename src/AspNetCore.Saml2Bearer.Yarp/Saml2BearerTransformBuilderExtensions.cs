using System.Diagnostics.CodeAnalysis;
using AspNetCore.Saml2Bearer;
using AspNetCore.Saml2Bearer.Yarp;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the Saml2Bearer forwarding transform to YARP routes.
/// </summary>
public static class Saml2BearerTransformBuilderExtensions
{
    /// <summary>Adds <see cref="Saml2BearerForwardingTransform"/> to the route being built.</summary>
    /// <param name="context">The transform builder context.</param>
    /// <param name="authenticationScheme">The Saml2Bearer scheme. Default: <see cref="Saml2BearerDefaults.AuthenticationScheme"/>.</param>
    /// <returns>The context.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
        Justification = "The two overloads extend different types, so no call can bind to both.")]
    public static TransformBuilderContext AddSaml2BearerForwarding(this TransformBuilderContext context, string authenticationScheme = Saml2BearerDefaults.AuthenticationScheme)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.RequestTransforms.Add(new Saml2BearerForwardingTransform(authenticationScheme));
        return context;
    }

    /// <summary>Adds <see cref="Saml2BearerForwardingTransform"/> to every route of the proxy.</summary>
    /// <param name="builder">The reverse proxy builder.</param>
    /// <param name="authenticationScheme">The Saml2Bearer scheme. Default: <see cref="Saml2BearerDefaults.AuthenticationScheme"/>.</param>
    /// <returns>The builder.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
        Justification = "The two overloads extend different types, so no call can bind to both.")]
    public static IReverseProxyBuilder AddSaml2BearerForwarding(this IReverseProxyBuilder builder, string authenticationScheme = Saml2BearerDefaults.AuthenticationScheme)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddTransforms(context => context.AddSaml2BearerForwarding(authenticationScheme));
    }
}
