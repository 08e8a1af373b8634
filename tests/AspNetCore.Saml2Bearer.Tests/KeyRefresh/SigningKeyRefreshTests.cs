using Microsoft.IdentityModel.Protocols;

namespace AspNetCore.Saml2Bearer.Tests.KeyRefresh;

/// <summary>
/// The one "refresh the keys on an unknown key" helper that IdP metadata and the AS's JWKS share, over a
/// configuration manager that is not IdentityModel's (so it is asked once, not polled).
/// </summary>
public sealed class SigningKeyRefreshTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task RefreshAsync_ManagerAlreadyHasNewerConfiguration_ReturnsItWithoutARefresh()
    {
        var manager = new CountingManager(new Configuration("old"));
        var stale = manager.Current;
        manager.Current = new Configuration("new");

        var refreshed = await new SigningKeyRefresh<Configuration>().RefreshAsync(manager, stale, Interval, Wait, CancellationToken.None);

        Assert.Equal("new", refreshed?.Name);
        Assert.Equal(0, manager.Refreshes);
    }

    [Fact]
    public async Task RefreshAsync_ConcurrentCallers_OneRefreshSharedByAll()
    {
        var manager = new CountingManager(new Configuration("old")) { OnRefresh = m => m.Current = new Configuration("new") };
        var stale = manager.Current;
        var refresh = new SigningKeyRefresh<Configuration>();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => refresh.RefreshAsync(manager, stale, Interval, Wait, CancellationToken.None)));

        Assert.All(results, r => Assert.Equal("new", r?.Name));
        Assert.Equal(1, manager.Refreshes);
    }

    [Fact]
    public async Task RefreshAsync_KeyNeverPublished_RefreshesOncePerIntervalThenAnswersNothingNewer()
    {
        var manager = new CountingManager(new Configuration("only"));
        var refresh = new SigningKeyRefresh<Configuration>();

        var first = await refresh.RefreshAsync(manager, manager.Current, Interval, Wait, CancellationToken.None);
        var second = await refresh.RefreshAsync(manager, manager.Current, Interval, Wait, CancellationToken.None);

        Assert.Null(first);
        Assert.Null(second);
        Assert.Equal(1, manager.Refreshes);
    }

    [Fact]
    public async Task RefreshAsync_ManagerCannotFetch_AnswersNothingNewer()
    {
        var manager = new CountingManager(new Configuration("old")) { Fault = new InvalidOperationException("IDX20803") };

        var refreshed = await new SigningKeyRefresh<Configuration>().RefreshAsync(manager, new Configuration("stale"), Interval, Wait, CancellationToken.None);

        Assert.Null(refreshed);
    }

    public sealed record Configuration(string Name);

    private sealed class CountingManager(Configuration initial) : IConfigurationManager<Configuration>
    {
        private int _refreshes;

        public Configuration Current { get; set; } = initial;

        public Action<CountingManager>? OnRefresh { get; init; }

        public Exception? Fault { get; init; }

        public int Refreshes => Volatile.Read(ref _refreshes);

        public Task<Configuration> GetConfigurationAsync(CancellationToken cancel) =>
            Fault is { } fault ? Task.FromException<Configuration>(fault) : Task.FromResult(Current);

        public void RequestRefresh()
        {
            Interlocked.Increment(ref _refreshes);
            OnRefresh?.Invoke(this);
        }
    }
}
