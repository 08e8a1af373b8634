using System.Buffers;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Reads a token endpoint response body with a size cap: a body over the cap is abandoned after at most
/// cap + 1 bytes, never buffered whole.
/// </summary>
internal static class TokenResponseContentReader
{
    private const int ChunkSize = 16 * 1024;

    /// <summary>
    /// The body's bytes, or <see langword="null"/> when it is (or declares itself) longer than
    /// <paramref name="maximumSize"/> bytes.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int maximumSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maximumSize);
        if (content.Headers.ContentLength is { } declared && declared > maximumSize)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                using var body = new MemoryStream(capacity: (int)Math.Min(content.Headers.ContentLength ?? ChunkSize, maximumSize));
                while (true)
                {
                    // Never ask for more than one byte past the cap, so an oversized body is detected
                    // without reading further.
                    var wanted = (int)Math.Min(chunk.Length, (long)maximumSize - body.Length + 1);
                    var read = await stream.ReadAsync(chunk.AsMemory(0, wanted), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return body.ToArray();
                    }

                    if (body.Length + read > maximumSize)
                    {
                        return null;
                    }

                    body.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }
}
