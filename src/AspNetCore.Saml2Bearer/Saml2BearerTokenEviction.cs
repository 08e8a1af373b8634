using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Evicts the current user's cached access token, e.g. after a downstream API answered 401
/// <c>invalid_token</c>, so that the next request exchanges the assertion again.
/// </summary>
public static class Saml2BearerTokenEviction
{
    /// <summary>The authentication property item that holds the (hashed) token cache key.</summary>
    internal const string TokenKeyItem = ".saml2bearer.tokenkey";

    /// <summary>
    /// Evicts the token the current request was authenticated with under <paramref name="scheme"/>.
    /// </summary>
    /// <param name="context">The current request.</param>
    /// <param name="scheme">The scheme. Default: <see cref="Saml2BearerDefaults.AuthenticationScheme"/>.</param>
    /// <returns>Whether a token key was found and evicted.</returns>
    public static async Task<bool> EvictSaml2BearerTokenAsync(this HttpContext context, string scheme = Saml2BearerDefaults.AuthenticationScheme)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await context.AuthenticateAsync(scheme).ConfigureAwait(false);
        if (result.Properties?.Items.TryGetValue(TokenKeyItem, out var key) != true || key is null)
        {
            return false;
        }

        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(scheme);
        if (options.State is { } state)
        {
            await state.TokenCache.RemoveAsync(key).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Makes the token the current request was authenticated with unusable while keeping its refresh
    /// token, so that the next authentication renews it (or, without one, exchanges the assertion again).
    /// </summary>
    internal static async Task<bool> ExpireSaml2BearerTokenAsync(this HttpContext context, string scheme)
    {
        var result = await context.AuthenticateAsync(scheme).ConfigureAwait(false);
        if (result.Properties?.Items.TryGetValue(TokenKeyItem, out var key) != true || key is null)
        {
            return false;
        }

        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(scheme);
        if (options.State is { } state)
        {
            await state.TokenCache.ExpireAsync(key).ConfigureAwait(false);
        }

        return true;
    }
}
