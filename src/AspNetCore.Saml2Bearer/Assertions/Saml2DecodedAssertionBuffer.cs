using System.Buffers;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The XML bytes of a decoded assertion in a buffer that may come from <see cref="ArrayPool{T}.Shared"/>,
/// or why decoding failed. Dispose it exactly once (a <see langword="using"/> on the local that holds it):
/// a pooled buffer is cleared and returned, so an assertion never lingers in the shared pool.
/// </summary>
internal struct Saml2DecodedAssertionBuffer : IDisposable
{
    private byte[]? _array;
    private readonly int _length;
    private readonly bool _pooled;

    private Saml2DecodedAssertionBuffer(byte[]? array, int length, bool pooled, Saml2AssertionFailureReason failureReason)
    {
        _array = array;
        _length = length;
        _pooled = pooled;
        FailureReason = failureReason;
    }

    /// <summary>Why decoding failed, or <see cref="Saml2AssertionFailureReason.None"/>.</summary>
    public readonly Saml2AssertionFailureReason FailureReason { get; }

    /// <summary>Whether there are bytes.</summary>
    public readonly bool Succeeded => _array is not null;

    /// <summary>The decoded XML bytes (empty after a failure or after <see cref="Dispose"/>).</summary>
    public readonly ReadOnlySpan<byte> Xml => _array is null ? default : _array.AsSpan(0, _length);

    public static Saml2DecodedAssertionBuffer Pooled(byte[] rented, int length) => new(rented, length, pooled: true, Saml2AssertionFailureReason.None);

    public static Saml2DecodedAssertionBuffer Owned(byte[] bytes) => new(bytes, bytes.Length, pooled: false, Saml2AssertionFailureReason.None);

    public static Saml2DecodedAssertionBuffer Fail(Saml2AssertionFailureReason reason) => new(null, 0, pooled: false, reason);

    /// <summary>The bytes as an array the caller owns (the buffer itself when it is not pooled and exact).</summary>
    public readonly byte[] ToArray() =>
        !_pooled && _array is not null && _array.Length == _length ? _array : Xml.ToArray();

    /// <summary>Returns a pooled buffer, cleared, to the pool.</summary>
    public void Dispose()
    {
        if (_pooled && _array is { } array)
        {
            ArrayPool<byte>.Shared.Return(array, clearArray: true);
        }

        _array = null;
    }
}
