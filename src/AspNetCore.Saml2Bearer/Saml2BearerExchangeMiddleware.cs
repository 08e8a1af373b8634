using AspNetCore.Saml2Bearer.Extraction;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// For APIs already protected by JwtBearer: turns an incoming SAML credential into
/// <c>Authorization: Bearer &lt;token&gt;</c> through the Saml2Bearer scheme (same validation, cache and
/// token service) before authentication runs. Failures answer exactly as the handler's challenge. A SOAP
/// caller's envelope continues without the <c>wsse:Security</c> header its assertion came from.
/// </summary>
internal sealed class Saml2BearerExchangeMiddleware
{
    private readonly RequestDelegate _next;
    private readonly string _scheme;
    private readonly IOptionsMonitor<Saml2BearerOptions> _options;

    public Saml2BearerExchangeMiddleware(RequestDelegate next, IOptionsMonitor<Saml2BearerOptions> options, string scheme)
    {
        _next = next;
        _options = options;
        _scheme = scheme;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(_scheme).ConfigureAwait(false);
        if (result.None)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        var accessToken = result.Succeeded ? result.Properties?.GetTokenValue("access_token") : null;
        if (accessToken is null)
        {
            await context.ChallengeAsync(_scheme).ConfigureAwait(false);
            return;
        }

        var options = _options.Get(_scheme);
        if (!string.Equals(options.HeaderName, HeaderNames.Authorization, StringComparison.OrdinalIgnoreCase))
        {
            context.Request.Headers.Remove(options.HeaderName);
        }

        await SoapSecurityHeaderRemoval.RemoveFromRequestAsync(context, options).ConfigureAwait(false);
        context.Request.Headers.Authorization = "Bearer " + accessToken;
        await _next(context).ConfigureAwait(false);
    }
}
