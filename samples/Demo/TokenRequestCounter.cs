namespace Demo;

/// <summary>
/// Counts the RFC 7522 token requests the API sends, so the Demo can show that a cached subject costs
/// no second request. <see cref="CreateHandler"/> gives the HTTP client pipeline a fresh handler each time.
/// </summary>
internal sealed class TokenRequestCounter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public string? LastGrantType { get; private set; }

    public Uri? LastEndpoint { get; private set; }

    public DelegatingHandler CreateHandler() => new CountingHandler(this);

    private void Record(Uri? endpoint, string? grantType)
    {
        LastEndpoint = endpoint;
        LastGrantType = grantType;
        Interlocked.Increment(ref _count);
    }

    private sealed class CountingHandler(TokenRequestCounter counter) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.Content is not null)
            {
                var form = await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var grantType = form.Split('&')
                    .Select(Uri.UnescapeDataString)
                    .FirstOrDefault(p => p.StartsWith("grant_type=", StringComparison.Ordinal));
                counter.Record(request.RequestUri, grantType?["grant_type=".Length..]);
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
