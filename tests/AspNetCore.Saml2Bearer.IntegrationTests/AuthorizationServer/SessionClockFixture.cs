using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// A sample authorization server of its own on a <see cref="FakeTimeProvider"/>: OpenIddict, the assertion checks and
/// the replay store read <see cref="Clock"/>, so a test moves past a SAML session end without sleeping. The clock
/// starts on a whole second (token times are whole seconds) and only moves when a test advances it.
/// </summary>
public sealed class SessionClockFixture : IAsyncLifetime
{
    public SessionClockFixture()
    {
        Clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        Server = new AuthorizationServerFixture { TimeProvider = Clock };
    }

    public FakeTimeProvider Clock { get; }

    public AuthorizationServerFixture Server { get; }

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}
