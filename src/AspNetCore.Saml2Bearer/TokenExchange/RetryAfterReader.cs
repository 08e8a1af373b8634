namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Reads the <c>Retry-After</c> of a failed token response (RFC 9110 section 10.2.3): delta-seconds or an
/// HTTP date, else a fallback.
/// </summary>
internal static class RetryAfterReader
{
    /// <summary>
    /// The wait the server asked for, never negative; <paramref name="fallback"/> when it sent none
    /// (or there was no response).
    /// </summary>
    public static TimeSpan Read(HttpResponseMessage? response, TimeProvider timeProvider, TimeSpan fallback)
    {
        var retryAfter = response?.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return fallback;
    }
}
