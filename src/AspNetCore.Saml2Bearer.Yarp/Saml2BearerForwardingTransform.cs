using AspNetCore.Saml2Bearer.Extraction;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace AspNetCore.Saml2Bearer.Yarp;

/// <summary>
/// A YARP request transform for gateways in front of legacy SAML callers: removes the SAML credential
/// from the proxied request and forwards the exchanged access token as <c>Authorization: Bearer</c>. A SOAP
/// caller's envelope is forwarded without the <c>wsse:Security</c> header its assertion came from
/// (<see cref="Saml2BearerOptions.RemoveSoapSecurityHeader"/>), Content-Length fixed.
/// Protect the route with an authorization policy on the Saml2Bearer scheme, so that unauthenticated
/// or failed requests never reach the backend.
/// </summary>
public sealed class Saml2BearerForwardingTransform : RequestTransform
{
    private readonly string _authenticationScheme;

    /// <summary>Creates the transform.</summary>
    /// <param name="authenticationScheme">The Saml2Bearer scheme whose token is forwarded.</param>
    public Saml2BearerForwardingTransform(string authenticationScheme)
    {
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);
        _authenticationScheme = authenticationScheme;
    }

    /// <inheritdoc />
    public override async ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(_authenticationScheme);

        // The SAML credential never travels past the gateway, whatever happens next.
        RemoveHeader(context, options.HeaderName);
        RemoveHeader(context, HeaderNames.Authorization);

        var result = await context.HttpContext.AuthenticateAsync(_authenticationScheme).ConfigureAwait(false);
        var accessToken = result.Succeeded ? result.Properties?.GetTokenValue("access_token") : null;
        if (accessToken is null)
        {
            throw new InvalidOperationException(
                $"The request reached the proxy without an access token from scheme '{_authenticationScheme}': protect the route with an authorization policy on that scheme.");
        }

        // A SOAP caller's envelope travels on without the wsse:Security header its assertion came from.
        if (await SoapSecurityHeaderRemoval.RemoveFromRequestAsync(context.HttpContext, options).ConfigureAwait(false) is { } length && context.ProxyRequest.Content is { } content)
        {
            content.Headers.ContentLength = length;
            context.ProxyRequest.Headers.TransferEncodingChunked = null;
            if (context.HttpContext.Request.ContentType is { } contentType)
            {
                content.Headers.Remove(HeaderNames.ContentType);
                content.Headers.TryAddWithoutValidation(HeaderNames.ContentType, contentType);
            }
        }

        AddHeader(context, HeaderNames.Authorization, "Bearer " + accessToken);
    }
}
