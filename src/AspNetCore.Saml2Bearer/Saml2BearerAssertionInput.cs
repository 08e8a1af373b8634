using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Extraction;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// The decoded assertion of one request as the handler needs it: either the fast-path entry with the
/// subject's cached token (then the bytes are not kept at all) or a copy of the bytes for validation and
/// the exchange.
/// </summary>
/// <param name="Xml">The decoded bytes, or <see langword="null"/> when the fast path and the token cache both answered.</param>
/// <param name="FastPathEntry">The fast-path entry of exactly these bytes, or <see langword="null"/>.</param>
/// <param name="CachedToken">The subject's token from memory when the fast path answered, or <see langword="null"/>.</param>
/// <param name="FailureReason">Why decoding failed, or <see cref="Saml2AssertionFailureReason.None"/>.</param>
internal readonly record struct Saml2BearerAssertionInput(
    byte[]? Xml,
    Saml2AssertionCacheEntry? FastPathEntry,
    Saml2BearerCachedToken? CachedToken,
    Saml2AssertionFailureReason FailureReason)
{
    /// <summary>
    /// The already securely loaded document of <see cref="Xml"/> (a SOAP envelope's detached assertion),
    /// to validate instead of parsing <see cref="Xml"/> again; only when the fast path did not answer.
    /// </summary>
    public XmlDocument? Document { get; init; }

    /// <summary>
    /// Decodes <paramref name="encoded"/> into a pooled buffer; with <paramref name="useFastPath"/>, looks
    /// the bytes up among validated assertions and, on a hit, the subject's token in memory. A repeat of
    /// characters already seen decoding to validated bytes is found from the characters alone (compared
    /// in full), without decoding them again.
    /// </summary>
    public static Saml2BearerAssertionInput Read(ReadOnlySpan<char> encoded, Saml2BearerSchemeState state, bool useFastPath)
    {
        // The size cap first, on the characters as received, exactly as the decoder applies it.
        var trimmed = encoded.Trim();
        if (useFastPath && encoded.Length <= state.Validator.Parameters.MaximumEncodedLength
            && state.AssertionCache.TryGetEncoded(trimmed, out var known))
        {
            return Hit(known!, state);
        }

        using var decoded = Saml2AssertionDecoder.DecodeToBuffer(encoded, state.Validator.Parameters);
        if (!decoded.Succeeded)
        {
            return new(null, null, null, decoded.FailureReason);
        }

        var input = Lookup(decoded.Xml, decoded, state, useFastPath);
        if (input.FastPathEntry is { } entry)
        {
            // These characters decode to bytes that were validated before: the next repeat skips decoding.
            state.AssertionCache.Alias(trimmed, entry);
        }

        return input;
    }

    /// <summary>
    /// <see cref="Read(ReadOnlySpan{char}, Saml2BearerSchemeState, bool)"/> for what an extractor found:
    /// its refusal, encoded text to decode, or XML bytes (a SOAP envelope's assertion) taken as decoded.
    /// </summary>
    public static Saml2BearerAssertionInput Read(in Saml2BearerCredential credential, Saml2BearerSchemeState state, bool useFastPath)
    {
        if (credential.FailureReason != Saml2AssertionFailureReason.None)
        {
            return new(null, null, null, credential.FailureReason);
        }

        if (credential.Xml is not { } xml)
        {
            return Read(credential.Encoded.Span, state, useFastPath);
        }

        if (xml.Length > state.Validator.Parameters.MaximumDecodedLength)
        {
            return new(null, null, null, Saml2AssertionFailureReason.DecodedSizeExceeded);
        }

        var input = Lookup(xml, Saml2DecodedAssertionBuffer.Owned(xml), state, useFastPath);
        return input.FastPathEntry is null ? input with { Document = credential.Document } : input;
    }

    private static Saml2BearerAssertionInput Lookup(ReadOnlySpan<byte> xml, in Saml2DecodedAssertionBuffer decoded, Saml2BearerSchemeState state, bool useFastPath)
    {
        Saml2AssertionCacheEntry? entry = null;
        if (useFastPath && state.AssertionCache.TryGet(xml, out entry))
        {
            return Hit(entry!, state);
        }

        return new(decoded.ToArray(), null, null, Saml2AssertionFailureReason.None);
    }

    /// <summary>A fast-path hit: the subject's token from memory, or the entry's bytes for the exchange.</summary>
    private static Saml2BearerAssertionInput Hit(Saml2AssertionCacheEntry entry, Saml2BearerSchemeState state) =>
        state.TokenCache.TryGet(entry.TokenKey, out var token)
            ? new(null, entry, token, Saml2AssertionFailureReason.None)
            : new(entry.AssertionXml, entry, null, Saml2AssertionFailureReason.None);
}
