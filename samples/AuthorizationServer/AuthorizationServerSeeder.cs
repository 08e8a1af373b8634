using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthorizationServer;

/// <summary>
/// Creates the database on first run and seeds the configured scopes and clients before the server
/// accepts requests. Existing clients are updated, so a changed secret or key set takes effect.
/// </summary>
internal sealed class AuthorizationServerSeeder(IServiceProvider services, AuthorizationServerOptions options) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<AuthorizationServerDbContext>();
        await database.Database.EnsureCreatedAsync(cancellationToken);

        var scopeManager = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        foreach (var name in options.AllScopes)
        {
            if (await scopeManager.FindByNameAsync(name, cancellationToken) is null)
            {
                var descriptor = new OpenIddictScopeDescriptor { Name = name };
                if (options.Resource is not null && name.Contains('.', StringComparison.Ordinal))
                {
                    descriptor.Resources.Add(options.Resource);
                }

                await scopeManager.CreateAsync(descriptor, cancellationToken);
            }
        }

        var applicationManager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        foreach (var client in options.Clients)
        {
            var descriptor = CreateDescriptor(client);
            var existing = await applicationManager.FindByClientIdAsync(client.ClientId, cancellationToken);
            if (existing is null)
            {
                await applicationManager.CreateAsync(descriptor, cancellationToken);
            }
            else
            {
                await applicationManager.UpdateAsync(existing, descriptor, cancellationToken);
            }
        }
    }

    private static OpenIddictApplicationDescriptor CreateDescriptor(AuthorizationServerClient client)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientType = ClientTypes.Confidential,
            DisplayName = client.ClientId,
            JsonWebKeySet = client.JsonWebKeys
                ?? (client.JsonWebKeySet is null ? null : new JsonWebKeySet(client.JsonWebKeySet)),
        };

        descriptor.Permissions.Add(Permissions.Endpoints.Token);
        descriptor.Permissions.Add(Permissions.Prefixes.GrantType + AspNetCore.Saml2Bearer.OpenIddict.Saml2BearerGrantDefaults.GrantType);
        descriptor.Permissions.Add(Permissions.Prefixes.GrantType + AspNetCore.Saml2Bearer.OpenIddict.Saml2BearerGrantDefaults.Saml11GrantType);
        descriptor.Permissions.Add(Permissions.Prefixes.GrantType + AspNetCore.Saml2Bearer.OpenIddict.Saml2BearerGrantDefaults.TokenExchangeGrantType);
        foreach (var scope in client.Scopes)
        {
            if (scope == Scopes.OfflineAccess)
            {
                descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
            }
            else if (scope != Scopes.OpenId)
            {
                descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
            }
        }

        return descriptor;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
