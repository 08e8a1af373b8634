using System.Security.Claims;
using System.Text;
using System.Text.Json;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

public sealed class Saml2BearerDistributedTokenStoreTests : IDisposable
{
    private const string Key = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private const string OtherKey = "aa1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1ff";
    private const string AccessToken = "at-secret-3c1f9a7e";
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeDistributedCache _cache = new();
    private readonly EphemeralDataProtectionProvider _dataProtection = new();
    private readonly InMemoryLoggerProvider _logs = new();

    private ILogger Logger => _logs.CreateLogger(typeof(Saml2BearerDistributedTokenStore).FullName!);

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task GetAsync_AfterSetAsync_ReturnsResponseExpiryAndClaims()
    {
        var store = CreateStore();
        var token = CreateToken();

        await store.SetAsync(Key, token);
        var read = await store.GetAsync(Key);

        Assert.NotNull(read);
        Assert.Equal(AccessToken, read.Response.AccessToken);
        Assert.Equal("Bearer", read.Response.TokenType);
        Assert.Equal(TimeSpan.FromHours(1), read.Response.ExpiresIn);
        Assert.Equal("rt-1", read.Response.RefreshToken);
        Assert.Equal("orders.read orders.write", read.Response.Scope);
        Assert.Equal("id-1", read.Response.IdToken);
        Assert.Equal("42", read.Response.AdditionalParameters["tenant"].GetRawText());
        Assert.Equal(token.ExpiresAt, read.ExpiresAt);
        var claim = Assert.Single(read.TokenClaims);
        Assert.Equal(("role", "admin", ClaimValueTypes.String, "https://as.example.com", "https://idp.example.com"),
            (claim.Type, claim.Value, claim.ValueType, claim.Issuer, claim.OriginalIssuer));
    }

    [Fact]
    public async Task SetAsync_Always_StoresUnderPrefixedKeyWithoutClearText()
    {
        var store = CreateStore();

        await store.SetAsync(Key, CreateToken());

        var stored = _cache.Peek("saml2bearer:" + Key);
        Assert.NotNull(stored);
        var text = Encoding.Latin1.GetString(stored);
        Assert.DoesNotContain(AccessToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain("rt-1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_EntryCopiedUnderAnotherKey_ReturnsNull()
    {
        var store = CreateStore();
        await store.SetAsync(Key, CreateToken());

        _cache.Poke("saml2bearer:" + OtherKey, _cache.Peek("saml2bearer:" + Key)!);

        Assert.Null(await store.GetAsync(OtherKey));
        Assert.Equal(1, _logs.Count(1102));
    }

    [Fact]
    public async Task GetAsync_EntryWithAlteredByte_ReturnsNull()
    {
        var store = CreateStore();
        await store.SetAsync(Key, CreateToken());
        var stored = _cache.Peek("saml2bearer:" + Key)!;

        stored[^5] ^= 0x40;
        _cache.Poke("saml2bearer:" + Key, stored);

        Assert.Null(await store.GetAsync(Key));
    }

    [Fact]
    public async Task GetAsync_EntryOfRandomBytes_ReturnsNull()
    {
        var store = CreateStore();

        _cache.Poke("saml2bearer:" + Key, Encoding.UTF8.GetBytes("not a protected payload"));

        Assert.Null(await store.GetAsync(Key));
    }

    [Fact]
    public async Task GetAsync_UnreadableEntry_RemovesItSoItIsReportedOnce()
    {
        var store = CreateStore();
        _cache.Poke("saml2bearer:" + Key, Encoding.UTF8.GetBytes("not a protected payload"));

        await store.GetAsync(Key);
        await store.GetAsync(Key);

        Assert.Null(_cache.Peek("saml2bearer:" + Key));
        Assert.Equal(1, _logs.Count(1102));
    }

    [Fact]
    public async Task GetAsync_EntriesProtectedWithAKeyOfAnotherKeyRing_AreMissesKeptForTheNextWriterAndReportedOncePerKey()
    {
        // Another instance's key ring (e.g. one restarted after a Redis flush, with a new key).
        var writer = CreateStore(dataProtection: new EphemeralDataProtectionProvider());
        var reader = CreateStore();
        await writer.SetAsync(Key, CreateToken());
        await writer.SetAsync(OtherKey, CreateToken());

        Assert.Null(await reader.GetAsync(Key));
        Assert.Null(await reader.GetAsync(OtherKey));
        Assert.Null(await reader.GetAsync(Key));

        Assert.NotNull(_cache.Peek("saml2bearer:" + Key));
        Assert.NotNull(await writer.GetAsync(Key));
        Assert.Equal(1, _logs.Count(1105));
        Assert.Equal(2, _logs.Count(1106));
        Assert.Equal(0, _logs.Count(1102));
        await reader.SetAsync(Key, CreateToken());
        Assert.NotNull(await reader.GetAsync(Key));
    }

    [Fact]
    public async Task GetAsync_EntriesOfManyUnknownKeys_ReportAtMostTheLimitAsWarnings()
    {
        var reader = CreateStore();
        for (var i = 0; i < Saml2BearerDistributedTokenStore.ReportedKeyIdLimit + 5; i++)
        {
            _cache.Poke("saml2bearer:" + Key, ProtectedPayloadShape(Guid.NewGuid()));
            Assert.Null(await reader.GetAsync(Key));
        }

        Assert.Equal(Saml2BearerDistributedTokenStore.ReportedKeyIdLimit, _logs.Count(1105));
        Assert.Equal(5, _logs.Count(1106));
        Assert.Equal(0, _logs.Count(1102));
    }

    [Fact]
    public void TryReadKeyId_DataProtectionPayload_ReturnsTheKeyIdAndRefusesOtherBytes()
    {
        var keyId = Guid.NewGuid();
        var protector = Saml2BearerDistributedTokenStore.CreateProtector(_dataProtection, "Saml2Bearer");

        Assert.True(Saml2BearerDistributedTokenStore.TryReadKeyId(ProtectedPayloadShape(keyId), out var read));
        Assert.Equal(keyId, read);
        Assert.True(Saml2BearerDistributedTokenStore.TryReadKeyId(protector.Protect([1, 2, 3]), out _));
        Assert.False(Saml2BearerDistributedTokenStore.TryReadKeyId(Encoding.UTF8.GetBytes("not a protected payload"), out _));
        Assert.False(Saml2BearerDistributedTokenStore.TryReadKeyId(ProtectedPayloadShape(keyId).AsSpan(0, 19), out _));
    }

    /// <summary>Bytes shaped like a Data Protection payload of <paramref name="keyId"/> (magic header, key id), with a ciphertext nobody wrote.</summary>
    private static byte[] ProtectedPayloadShape(Guid keyId)
    {
        var payload = new byte[4 + 16 + 64];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload, 0x09F0C9F0);
        keyId.TryWriteBytes(payload.AsSpan(4, 16));
        payload.AsSpan(20).Fill(0x5A);
        return payload;
    }

    [Fact]
    public async Task GetAsync_ProtectedPayloadThatIsNotJson_ReturnsNull()
    {
        var store = CreateStore();
        var protector = Saml2BearerDistributedTokenStore.CreateProtector(_dataProtection, "Saml2Bearer");

        _cache.Poke("saml2bearer:" + Key, protector.Protect(Encoding.UTF8.GetBytes("{\"v\":1,\"key\":")));

        Assert.Null(await store.GetAsync(Key));
    }

    [Fact]
    public async Task GetAsync_EntryWrittenByAnotherScheme_ReturnsNull()
    {
        var writer = CreateStore(scheme: "PartnerA");
        var reader = CreateStore(scheme: "PartnerB");
        await writer.SetAsync(Key, CreateToken());
        var stored = _cache.Peek("saml2bearer:" + Key)!;

        Assert.Null(await reader.GetAsync(Key));
        _cache.Poke("saml2bearer:" + Key, stored);
        Assert.NotNull(await writer.GetAsync(Key));
    }

    [Fact]
    public async Task GetAsync_EntryInsideExpiryMargin_ReturnsNull()
    {
        var store = CreateStore();
        await store.SetAsync(Key, CreateToken());

        _time.Advance(TimeSpan.FromHours(1) - Margin);

        Assert.Null(await store.GetAsync(Key));
    }

    [Fact]
    public async Task SetAsync_TokenAlreadyInsideMargin_StoresNothing()
    {
        var store = CreateStore();

        await store.SetAsync(Key, CreateToken(lifetime: Margin));

        Assert.Null(_cache.Peek("saml2bearer:" + Key));
    }

    [Fact]
    public async Task GetAsync_CacheThrows_ReturnsNullAndWarnsOnce()
    {
        var store = CreateStore();
        _cache.Mode = FakeDistributedCacheMode.Throw;

        for (var i = 0; i < 5; i++)
        {
            Assert.Null(await store.GetAsync(Key));
            _time.Advance(Saml2BearerDistributedTokenStore.DefaultRetryInterval);
        }

        Assert.Equal(5, _cache.Calls);
        Assert.Equal(1, _logs.Count(1100));
        Assert.Equal(0, _logs.Count(1101));
    }

    [Fact]
    public async Task GetAsync_CacheHangs_ReturnsNullAndWarns()
    {
        var store = CreateStore(operationTimeout: TimeSpan.FromMilliseconds(50));
        _cache.Mode = FakeDistributedCacheMode.Hang;

        Assert.Null(await store.GetAsync(Key));
        Assert.Equal(1, _logs.Count(1100));
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 1100 && e.Message.Contains(nameof(TimeoutException), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetAsync_CacheHangs_ReturnsWithoutThrowing()
    {
        var store = CreateStore(operationTimeout: TimeSpan.FromMilliseconds(50));
        _cache.Mode = FakeDistributedCacheMode.Hang;

        await store.SetAsync(Key, CreateToken());

        Assert.True(store.Circuit.InOutage);
    }

    [Fact]
    public async Task GetAsync_InsideRetryIntervalAfterFailure_DoesNotCallCache()
    {
        var store = CreateStore();
        _cache.Mode = FakeDistributedCacheMode.Throw;
        await store.GetAsync(Key);
        _cache.Mode = FakeDistributedCacheMode.Answer;

        Assert.Null(await store.GetAsync(Key));
        await store.SetAsync(Key, CreateToken());
        await store.RemoveAsync(Key);

        Assert.Equal(1, _cache.Calls);
    }

    [Fact]
    public async Task GetAsync_CacheAnswersAgainAfterRetryInterval_ReturnsTokenAndLogsRecoveryOnce()
    {
        var store = CreateStore();
        await store.SetAsync(Key, CreateToken());
        _cache.Mode = FakeDistributedCacheMode.Throw;
        await store.GetAsync(Key);
        _cache.Mode = FakeDistributedCacheMode.Answer;

        _time.Advance(Saml2BearerDistributedTokenStore.DefaultRetryInterval);
        var first = await store.GetAsync(Key);
        var second = await store.GetAsync(Key);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(1, _logs.Count(1100));
        Assert.Equal(1, _logs.Count(1101));
        Assert.False(store.Circuit.InOutage);
    }

    [Fact]
    public async Task Logs_AfterFailuresAndDiscards_NeverContainTokenOrKey()
    {
        var store = CreateStore();
        await store.SetAsync(Key, CreateToken());
        _cache.Poke("saml2bearer:" + OtherKey, _cache.Peek("saml2bearer:" + Key)!);
        await store.GetAsync(OtherKey);
        _cache.Mode = FakeDistributedCacheMode.Throw;
        await store.GetAsync(Key);

        Assert.NotEmpty(_logs.Entries);
        Assert.All(_logs.Entries, e =>
        {
            Assert.DoesNotContain(AccessToken, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Key, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(OtherKey, e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task GetAsync_ExpiredTokenThatMayBeRenewed_OnlyWhenRenewableEntriesAreAsked()
    {
        var store = CreateStore();
        var renewableUntil = _time.GetUtcNow() + TimeSpan.FromHours(8);
        await store.SetAsync(Key, CreateToken() with { RenewableUntil = renewableUntil });
        _time.Advance(TimeSpan.FromHours(2));

        var usable = await store.GetAsync(Key);
        var renewable = await store.GetAsync(Key, includeRenewable: true);

        Assert.Null(usable);
        Assert.NotNull(renewable);
        Assert.Equal("rt-1", renewable.Response.RefreshToken);
        Assert.Equal(renewableUntil, renewable.RenewableUntil);
    }

    [Fact]
    public async Task GetAsync_PastRenewableUntil_ReturnsNullEvenForRenewal()
    {
        var store = CreateStore();
        await store.SetAsync(Key, CreateToken() with { RenewableUntil = _time.GetUtcNow() + TimeSpan.FromHours(2) });
        _time.Advance(TimeSpan.FromHours(2));

        Assert.Null(await store.GetAsync(Key, includeRenewable: true));
    }

    [Fact]
    public async Task SetAsync_RenewableToken_RefreshTokenNotInClearText()
    {
        var store = CreateStore();

        await store.SetAsync(Key, CreateToken() with { RenewableUntil = _time.GetUtcNow() + TimeSpan.FromHours(8) });

        var stored = _cache.Peek(Saml2BearerDistributedTokenStore.StorageKey(Key));
        Assert.NotNull(stored);
        Assert.DoesNotContain("rt-1", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain("rt-1", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
    }

    private Saml2BearerDistributedTokenStore CreateStore(string scheme = "Saml2Bearer", TimeSpan? operationTimeout = null, IDataProtectionProvider? dataProtection = null) =>
        new(
            _cache,
            Saml2BearerDistributedTokenStore.CreateProtector(dataProtection ?? _dataProtection, scheme),
            new Saml2BearerDistributedCacheCircuit(Saml2BearerDistributedTokenStore.DefaultRetryInterval, Logger, _time, failureThreshold: 1),
            Margin,
            operationTimeout ?? TimeSpan.FromSeconds(5),
            Logger,
            _time);

    private Saml2BearerCachedToken CreateToken(TimeSpan? lifetime = null)
    {
        using var tenant = JsonDocument.Parse("42");
        var response = new Saml2BearerTokenResponse
        {
            AccessToken = AccessToken,
            TokenType = "Bearer",
            ExpiresIn = TimeSpan.FromHours(1),
            RefreshToken = "rt-1",
            Scope = "orders.read orders.write",
            IdToken = "id-1",
            AdditionalParameters = new Dictionary<string, JsonElement> { ["tenant"] = tenant.RootElement.Clone() },
        };
        var claims = new[] { new Claim("role", "admin", ClaimValueTypes.String, "https://as.example.com", "https://idp.example.com") };
        return new Saml2BearerCachedToken(response, _time.GetUtcNow() + (lifetime ?? TimeSpan.FromHours(1)), claims);
    }
}
