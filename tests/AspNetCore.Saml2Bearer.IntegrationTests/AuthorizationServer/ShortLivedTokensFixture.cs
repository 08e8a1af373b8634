namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// A sample authorization server of its own whose access tokens live <see cref="AccessTokenLifetime"/>: for tests
/// of renewal, which need tokens that expire soon (its refresh tokens keep OpenIddict's lifetime).
/// </summary>
public sealed class ShortLivedTokensFixture : IAsyncLifetime
{
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromSeconds(45);

    public AuthorizationServerFixture Server { get; } = new() { AccessTokenLifetime = AccessTokenLifetime };

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}
