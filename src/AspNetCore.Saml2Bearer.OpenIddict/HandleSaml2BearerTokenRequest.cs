using System.Collections.Immutable;
using System.Security.Claims;
using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Signs in the subject of a validated SAML 2.0 bearer assertion: <c>sub</c> = NameID, the attributes as
/// claims, the granted scopes and resources. OpenIddict then issues the access token, an identity
/// token when <c>openid</c> is granted and a refresh token when <c>offline_access</c> is granted, none of
/// them outliving the assertion's <c>SessionNotOnOrAfter</c> (see <see cref="LimitTokenLifetimesToSamlSession"/>).
/// </summary>
internal sealed class HandleSaml2BearerTokenRequest : IOpenIddictServerHandler<HandleTokenRequestContext>
{
    private readonly Saml2BearerGrantOptions _options;
    private readonly IServiceProvider _services;

    public HandleSaml2BearerTokenRequest(IOptions<Saml2BearerGrantOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _services = services;
    }

    /// <summary>
    /// Runs before the built-in handlers, so that a host enabling token endpoint pass-through for other
    /// grants still has this grant handled here.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
            .UseScopedHandler<HandleSaml2BearerTokenRequest>()
            .SetOrder(OpenIddictServerHandlers.Exchange.AttachPrincipal.Descriptor.Order - 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Saml2BearerGrantDefaults.IsSamlTokenRequest(context.Request))
        {
            return;
        }

        if (!context.Transaction.Properties.TryGetValue(Saml2BearerGrantDefaults.AssertionTransactionProperty, out var value)
            || value is not Saml2Assertion assertion)
        {
            // Validation did not run or did not succeed: never issue tokens without a validated assertion.
            context.Reject(Errors.InvalidGrant, Saml2BearerGrantDefaults.InvalidAssertionDescription);
            return;
        }

        var scopes = GrantScopes(context.Request.GetScopes());
        var resources = await GetResourcesAsync(scopes, context.CancellationToken).ConfigureAwait(false);
        var identity = Saml2BearerGrantClaims.CreateIdentity(assertion, _options);
        identity.SetScopes(scopes);
        identity.SetResources(resources);

        var identityTokenDestinations = scopes.Contains(Scopes.OpenId, StringComparer.Ordinal);
        identity.SetDestinations(claim => identityTokenDestinations
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);

        // Added after the destinations: the session end goes into the refresh token only, where it bounds every
        // token refreshed from it (LimitTokenLifetimesToSamlSession). SAML 1.1 has no SessionNotOnOrAfter.
        if (assertion.SessionNotOnOrAfter is { } sessionNotOnOrAfter)
        {
            Saml2BearerGrantSession.AddSessionEnd(identity, sessionNotOnOrAfter);
        }

        context.SignIn(new ClaimsPrincipal(identity));
    }

    private ImmutableArray<string> GrantScopes(ImmutableArray<string> requested)
    {
        if (_options.AllowedScopes.Count == 0)
        {
            return requested;
        }

        return [.. requested.Where(scope => _options.AllowedScopes.Contains(scope))];
    }

    private async Task<ImmutableArray<string>> GetResourcesAsync(ImmutableArray<string> scopes, CancellationToken cancellationToken)
    {
        var resources = new List<string>(_options.Resources);
        var scopeManager = _services.GetService<IOpenIddictScopeManager>();
        if (scopeManager is not null && !scopes.IsEmpty)
        {
            await foreach (var resource in scopeManager.ListResourcesAsync(scopes, cancellationToken).ConfigureAwait(false))
            {
                resources.Add(resource);
            }
        }

        return [.. resources.Distinct(StringComparer.Ordinal)];
    }
}
