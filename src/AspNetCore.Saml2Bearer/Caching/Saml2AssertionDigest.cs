using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The SHA-256 of an assertion's exact decoded bytes, held as four words so that it can key a cache
/// without a string per request. <see cref="ToString"/> gives only its first six bytes in hexadecimal:
/// enough to correlate logs, never the assertion.
/// </summary>
internal readonly struct Saml2AssertionDigest : IEquatable<Saml2AssertionDigest>
{
    /// <summary>The length of the digest in bytes.</summary>
    public const int Length = 32;

    private readonly ulong _word0;
    private readonly ulong _word1;
    private readonly ulong _word2;
    private readonly ulong _word3;

    private Saml2AssertionDigest(ReadOnlySpan<byte> digest)
    {
        _word0 = BinaryPrimitives.ReadUInt64BigEndian(digest);
        _word1 = BinaryPrimitives.ReadUInt64BigEndian(digest[8..]);
        _word2 = BinaryPrimitives.ReadUInt64BigEndian(digest[16..]);
        _word3 = BinaryPrimitives.ReadUInt64BigEndian(digest[24..]);
    }

    /// <summary>Hashes <paramref name="assertionXml"/>.</summary>
    public static Saml2AssertionDigest Compute(ReadOnlySpan<byte> assertionXml)
    {
        Span<byte> digest = stackalloc byte[Length];
        SHA256.HashData(assertionXml, digest);
        return new Saml2AssertionDigest(digest);
    }

    /// <summary>Writes the 32 digest bytes to <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _word0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _word1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _word2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _word3);
    }

    /// <inheritdoc />
    public bool Equals(Saml2AssertionDigest other) =>
        _word0 == other._word0 && _word1 == other._word1 && _word2 == other._word2 && _word3 == other._word3;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Saml2AssertionDigest other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_word0, _word1, _word2, _word3);

    /// <summary>The first six bytes in lowercase hexadecimal: a log handle.</summary>
    public override string ToString() => (_word0 >> 16).ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
}
