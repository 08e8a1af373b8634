using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.Downstream;

/// <summary>
/// Attaches the current user's exchanged access token as <c>Authorization: Bearer</c> to requests for
/// allowed hosts (step 7 of the flow); on a 401 <c>invalid_token</c> it gives the token up, obtains a new
/// one (renewed with its refresh token when the authorization server issued one, else exchanged for the
/// same assertion) and retries once.
/// </summary>
internal sealed class Saml2BearerDownstreamHandler : DelegatingHandler
{
    private readonly IHttpContextAccessor _httpContextAccessor;
    private readonly IOptionsMonitor<Saml2BearerDownstreamOptions> _options;
    private readonly string _name;

    public Saml2BearerDownstreamHandler(IHttpContextAccessor httpContextAccessor, IOptionsMonitor<Saml2BearerDownstreamOptions> options, string name)
    {
        _httpContextAccessor = httpContextAccessor;
        _options = options;
        _name = name;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var options = _options.Get(_name);
        EnsureAllowed(request.RequestUri, options);
        var context = _httpContextAccessor.HttpContext
            ?? throw new InvalidOperationException("No current HttpContext: the Saml2Bearer downstream handler only works inside a request.");

        var result = await context.AuthenticateAsync(options.AuthenticationScheme).ConfigureAwait(false);
        var accessToken = result.Properties?.GetTokenValue("access_token")
            ?? throw new InvalidOperationException($"The current request has no access token from scheme '{options.AuthenticationScheme}'.");

        if (request.Content is not null && options.RetryOnInvalidToken)
        {
            // The body must survive a second send.
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!options.RetryOnInvalidToken || !IsInvalidToken(response))
        {
            return response;
        }

        // The refresh token stays: against a server that refuses replayed assertions, only it can renew.
        await context.ExpireSaml2BearerTokenAsync(options.AuthenticationScheme).ConfigureAwait(false);
        var renewed = await AuthenticateAgainAsync(context, options.AuthenticationScheme).ConfigureAwait(false);
        var renewedToken = renewed.Properties?.GetTokenValue("access_token");
        if (renewedToken is null || string.Equals(renewedToken, accessToken, StringComparison.Ordinal))
        {
            return response;
        }

        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", renewedToken);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The request's authentication result is cached per handler instance; a fresh instance runs the
    /// pipeline again for the same assertion, which now misses the token cache and renews or exchanges.
    /// </summary>
    private static async Task<AuthenticateResult> AuthenticateAgainAsync(HttpContext context, string scheme)
    {
        var schemes = context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>();
        var authenticationScheme = await schemes.GetSchemeAsync(scheme).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No authentication scheme '{scheme}' is registered.");
        var handler = (IAuthenticationHandler)ActivatorUtilities.CreateInstance(context.RequestServices, authenticationScheme.HandlerType);
        await handler.InitializeAsync(authenticationScheme, context).ConfigureAwait(false);
        return await handler.AuthenticateAsync().ConfigureAwait(false);
    }

    private static bool IsInvalidToken(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Unauthorized
        && response.Headers.WwwAuthenticate.Any(challenge =>
            string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            && challenge.Parameter?.Contains("error=\"invalid_token\"", StringComparison.Ordinal) == true);

    private static void EnsureAllowed(Uri? uri, Saml2BearerDownstreamOptions options)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new InvalidOperationException("The downstream request has no absolute URI; the access token is not sent.");
        }

        if (!options.AllowedHosts.Contains(uri.Host))
        {
            throw new InvalidOperationException($"The host '{uri.Host}' is not in {nameof(Saml2BearerDownstreamOptions.AllowedHosts)}; the access token is not sent.");
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback && !options.AllowHttp)
        {
            throw new InvalidOperationException($"The access token is only sent over HTTPS (or to loopback); set {nameof(Saml2BearerDownstreamOptions.AllowHttp)} to allow '{uri.Scheme}'.");
        }
    }
}
