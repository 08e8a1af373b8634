using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// A SOAP request's body as the extractor and the Security header removal read it: from its start, into a
/// buffer rented from the shared pool, at most one byte over the envelope cap (so an oversized body is
/// seen as such without reading it all), then rewound for whoever reads it next. The buffer holds the
/// assertion: <see cref="Dispose"/> clears it as it goes back to the pool.
/// </summary>
internal readonly struct SoapRequestBody : IDisposable
{
    private readonly byte[] _buffer;

    private SoapRequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    /// <summary>How many bytes were read: more than the cap when the body is over it.</summary>
    public int Length { get; }

    /// <summary>What was read.</summary>
    public ReadOnlyMemory<byte> Content => _buffer.AsMemory(0, Length);

    /// <summary>Reads <paramref name="request"/>'s body, whose stream must be seekable (buffered), from its start.</summary>
    /// <param name="request">The request.</param>
    /// <param name="maximum">The envelope cap: at most this many bytes and one more are read.</param>
    /// <param name="cancellationToken">The request's abort token.</param>
    public static async ValueTask<SoapRequestBody> ReadAsync(HttpRequest request, int maximum, CancellationToken cancellationToken)
    {
        var body = request.Body;
        body.Position = 0;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? maximum, maximum) + 1);
        var length = 0;
        try
        {
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            body.Position = 0;
            return new SoapRequestBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
            throw;
        }
    }

    /// <summary>Clears the buffer and returns it to the pool.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
        }
    }
}
