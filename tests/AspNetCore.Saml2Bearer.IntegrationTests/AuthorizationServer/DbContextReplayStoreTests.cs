using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// The EF Core replay store on a real SQLite database (one in-memory connection), with a fake clock: a
/// duplicate key is a replay, an expired row is taken over, expired rows are purged, only hashes are stored.
/// </summary>
public sealed class DbContextReplayStoreTests : IDisposable
{
    private const string Issuer = "https://idp.example.com/saml";

    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;

    public DbContextReplayStoreTests()
    {
        _connection.Open();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddDbContext<ReplayContext>(options => options.UseSqlite(_connection));
        services.AddSaml2BearerDbContextReplayStore<ReplayContext>();
        _services = services.BuildServiceProvider();
        using var scope = _services.CreateScope();
        scope.ServiceProvider.GetRequiredService<ReplayContext>().Database.EnsureCreated();
    }

    private ISaml2AssertionReplayStore Store => _services.GetRequiredService<ISaml2AssertionReplayStore>();

    public void Dispose()
    {
        _services.Dispose();
        _connection.Dispose();
    }

    [Fact]
    public async Task TryAddAsync_SecondInsertOfTheSameKey_IsAReplay()
    {
        var expiresAt = _time.GetUtcNow().AddMinutes(5);

        Assert.True(await Store.TryAddAsync(Issuer, "_1", expiresAt, CancellationToken.None));
        Assert.False(await Store.TryAddAsync(Issuer, "_1", expiresAt, CancellationToken.None));
        Assert.True(await Store.TryAddAsync(Issuer, "_2", expiresAt, CancellationToken.None));
    }

    [Fact]
    public async Task TryAddAsync_StoresOnlyTheHashAndTheExpiry()
    {
        var expiresAt = _time.GetUtcNow().AddMinutes(5);

        await Store.TryAddAsync(Issuer, "_visible-id", expiresAt, CancellationToken.None);

        var entry = Assert.Single(Entries());
        Assert.Equal(Key(Issuer, "_visible-id"), entry.Key);
        Assert.Equal(expiresAt, entry.ExpiresAt);
    }

    [Fact]
    public async Task TryAddAsync_RecordExpired_IsTakenOverWithTheNewExpiry()
    {
        await Store.TryAddAsync(Issuer, "_1", _time.GetUtcNow().AddMinutes(5), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
        var stillLive = await Store.TryAddAsync(Issuer, "_1", _time.GetUtcNow().AddMinutes(5), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        var newExpiry = _time.GetUtcNow().AddMinutes(5);

        var takenOver = await Store.TryAddAsync(Issuer, "_1", newExpiry, CancellationToken.None);

        Assert.False(stillLive);
        Assert.True(takenOver);
        Assert.Equal(newExpiry, Assert.Single(Entries()).ExpiresAt);
        Assert.False(await Store.TryAddAsync(Issuer, "_1", newExpiry, CancellationToken.None));
    }

    [Fact]
    public async Task TryAddAsync_AfterThePurgeInterval_DeletesExpiredRows()
    {
        await Store.TryAddAsync(Issuer, "_short", _time.GetUtcNow().AddSeconds(30), CancellationToken.None);
        await Store.TryAddAsync(Issuer, "_long", _time.GetUtcNow().AddHours(1), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(2));

        await Store.TryAddAsync(Issuer, "_next", _time.GetUtcNow().AddMinutes(5), CancellationToken.None);

        var keys = Entries().Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(Key(Issuer, "_short"), keys);
        Assert.Contains(Key(Issuer, "_long"), keys);
        Assert.Contains(Key(Issuer, "_next"), keys);
    }

    [Fact]
    public async Task TryAddAsync_TableMissing_ThrowsInsteadOfAccepting()
    {
        using (var scope = _services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ReplayContext>().Database.ExecuteSqlRawAsync("DROP TABLE \"Saml2AssertionReplayEntries\"");
        }

        await Assert.ThrowsAnyAsync<Exception>(async () => await Store.TryAddAsync(Issuer, "_1", _time.GetUtcNow().AddMinutes(5), CancellationToken.None));
    }

    [Fact]
    public void Model_KeyIsTheFixedLengthHashAndTheExpiryIsIndexed()
    {
        using var scope = _services.CreateScope();
        var entity = scope.ServiceProvider.GetRequiredService<ReplayContext>().Model.FindEntityType(typeof(Saml2AssertionReplayEntry))!;

        Assert.Equal(Saml2BearerModelBuilderExtensions.DefaultTableName, entity.GetTableName());
        Assert.Equal(nameof(Saml2AssertionReplayEntry.Key), Assert.Single(entity.FindPrimaryKey()!.Properties).Name);
        Assert.Equal(64, entity.FindProperty(nameof(Saml2AssertionReplayEntry.Key))!.GetMaxLength());
        Assert.Contains(entity.GetIndexes(), i => i.Properties.Single().Name == nameof(Saml2AssertionReplayEntry.ExpiresAt));
    }

    /// <summary>The documented key: SHA-256 of the issuer's UTF-8 length (4 bytes, big-endian), the issuer and the ID, in lowercase hex.</summary>
    private static string Key(string issuer, string id)
    {
        var issuerBytes = System.Text.Encoding.UTF8.GetBytes(issuer);
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, issuerBytes.Length);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. length, .. issuerBytes, .. System.Text.Encoding.UTF8.GetBytes(id)]));
    }

    private List<Saml2AssertionReplayEntry> Entries()
    {
        using var scope = _services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<ReplayContext>().Set<Saml2AssertionReplayEntry>().AsNoTracking().ToList();
    }

    private sealed class ReplayContext(DbContextOptions<ReplayContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddSaml2AssertionReplayEntries();
    }
}
