using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// What the shared replay stores keep of an assertion: a fixed-length hash of its issuer and ID (so no
/// identity provider's entity ID or attacker-chosen ID is written to Redis or a database as it is), and
/// how long the record must live.
/// </summary>
internal static class Saml2AssertionReplayKey
{
    /// <summary>The length of <see cref="Create"/>'s result: SHA-256 in lowercase hexadecimal.</summary>
    public const int Length = 64;

    /// <summary>The shortest record lifetime: Redis refuses an expiry of zero, and a record must exist to count.</summary>
    public static readonly TimeSpan MinimumTimeToLive = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// SHA-256 over the UTF-8 issuer's length (4 bytes, big-endian), the issuer and the ID, in lowercase
    /// hexadecimal. The length prefix keeps (<c>"a"</c>, <c>"bc"</c>) and (<c>"ab"</c>, <c>"c"</c>) apart.
    /// </summary>
    public static string Create(string issuer, string assertionId)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(assertionId);
        var issuerLength = Encoding.UTF8.GetByteCount(issuer);
        var buffer = new byte[4 + issuerLength + Encoding.UTF8.GetByteCount(assertionId)];
        BinaryPrimitives.WriteInt32BigEndian(buffer, issuerLength);
        Encoding.UTF8.GetBytes(issuer, buffer.AsSpan(4));
        Encoding.UTF8.GetBytes(assertionId, buffer.AsSpan(4 + issuerLength));
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    /// <summary>
    /// How long a record made at <paramref name="now"/> must live to last until <paramref name="expiresAt"/>:
    /// at least <see cref="MinimumTimeToLive"/>, whole milliseconds rounded up so it never ends early.
    /// </summary>
    public static TimeSpan TimeToLive(DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var remaining = expiresAt - now;
        if (remaining < MinimumTimeToLive)
        {
            return MinimumTimeToLive;
        }

        var milliseconds = (remaining.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return TimeSpan.FromMilliseconds(milliseconds);
    }
}
