using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

/// <summary>
/// An in-memory <see cref="IDistributedCache"/> that can be switched to fail (throw) or hang (never
/// answer), and counts the calls that reached it.
/// </summary>
internal sealed class FakeDistributedCache : IDistributedCache
{
    private readonly MemoryDistributedCache _inner = new(Options.Create(new MemoryDistributedCacheOptions()));
    private int _calls;

    public FakeDistributedCacheMode Mode { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public byte[]? Get(string key) => throw new NotSupportedException("The store must use the asynchronous API.");

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await EnterAsync(token);
        return await _inner.GetAsync(key, token);
    }

    public void Refresh(string key) => throw new NotSupportedException("The store must use the asynchronous API.");

    public Task RefreshAsync(string key, CancellationToken token = default) => throw new NotSupportedException("The store never refreshes.");

    public void Remove(string key) => throw new NotSupportedException("The store must use the asynchronous API.");

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await EnterAsync(token);
        await _inner.RemoveAsync(key, token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException("The store must use the asynchronous API.");

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await EnterAsync(token);
        await _inner.SetAsync(key, value, options, token);
    }

    /// <summary>Reads the stored bytes directly, bypassing the mode.</summary>
    public byte[]? Peek(string key) => _inner.Get(key);

    /// <summary>Writes bytes directly, bypassing the mode.</summary>
    public void Poke(string key, byte[] value) => _inner.Set(key, value, new DistributedCacheEntryOptions());

    private async Task EnterAsync(CancellationToken token)
    {
        Interlocked.Increment(ref _calls);
        switch (Mode)
        {
            case FakeDistributedCacheMode.Throw:
                throw new InvalidOperationException("The fake distributed cache is down.");
            case FakeDistributedCacheMode.Hang:
                // Never answers, and ignores cancellation: only the caller's own bound can end the wait.
                await new TaskCompletionSource().Task;
                break;
        }
    }
}

/// <summary>How <see cref="FakeDistributedCache"/> answers.</summary>
internal enum FakeDistributedCacheMode
{
    Answer,
    Throw,
    Hang,
}
