using System.Buffers;
using System.Buffers.Text;
using System.IO.Compression;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Turns what a caller sends into the assertion's XML bytes: base64, base64url (padding optional),
/// raw DEFLATE inside either (Apache CXF), or raw XML when allowed. Sizes are capped before any work.
/// The bytes may be UTF-8 or UTF-16 (see <see cref="LooksLikeXml"/>); the XML parser decodes them.
/// </summary>
internal static class Saml2AssertionDecoder
{
    private const string LettersAndDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // Immutable lookup tables; whitespace is in neither, since Convert would skip it silently.
    private static readonly SearchValues<char> StandardAlphabet = SearchValues.Create(LettersAndDigits + "+/");
    private static readonly SearchValues<char> UrlAlphabet = SearchValues.Create(LettersAndDigits + "-_");

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> Utf16LittleEndianBom => [0xFF, 0xFE];

    private static ReadOnlySpan<byte> Utf16BigEndianBom => [0xFE, 0xFF];

    /// <summary><c>&lt;</c> in UTF-16 without a byte order mark, which the XML parser detects (XML 1.0 appendix F).</summary>
    private static ReadOnlySpan<byte> Utf16LittleEndianMarkup => [0x3C, 0x00];

    private static ReadOnlySpan<byte> Utf16BigEndianMarkup => [0x00, 0x3C];

    /// <summary>What follows <c>FF FE</c>, <c>3C 00</c> or <c>00 3C</c> in UTF-32 (UCS-4).</summary>
    private static ReadOnlySpan<byte> Utf32Tail => [0x00, 0x00];

    /// <summary>Decodes <paramref name="encoded"/>.</summary>
    /// <param name="encoded">The credential as the caller sent it.</param>
    /// <param name="parameters">The limits and allowed encodings.</param>
    /// <returns>The XML bytes, or the reason they could not be had.</returns>
    public static Saml2AssertionDecodeResult Decode(ReadOnlySpan<char> encoded, Saml2AssertionValidationParameters parameters)
    {
        using var decoded = DecodeToBuffer(encoded, parameters);
        return decoded.Succeeded
            ? Saml2AssertionDecodeResult.Ok(decoded.ToArray())
            : Saml2AssertionDecodeResult.Fail(decoded.FailureReason);
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/> into a buffer that the caller disposes: base64 lands in a pooled
    /// array, so a request that only needs the bytes' hash (the fast path) allocates nothing for them.
    /// </summary>
    /// <param name="encoded">The credential as the caller sent it.</param>
    /// <param name="parameters">The limits and allowed encodings.</param>
    /// <returns>The XML bytes, or the reason they could not be had.</returns>
    public static Saml2DecodedAssertionBuffer DecodeToBuffer(ReadOnlySpan<char> encoded, Saml2AssertionValidationParameters parameters)
    {
        if (encoded.Length > parameters.MaximumEncodedLength)
        {
            return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.EncodedSizeExceeded);
        }

        encoded = encoded.Trim();
        if (encoded.IsEmpty)
        {
            return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.InvalidEncoding);
        }

        var allowed = parameters.AllowedEncodings;
        if (encoded[0] == '<')
        {
            if ((allowed & Saml2AssertionEncodings.RawXml) == 0)
            {
                return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.RawXmlNotAllowed);
            }

            if (System.Text.Encoding.UTF8.GetMaxByteCount(encoded.Length) > parameters.MaximumDecodedLength
                && System.Text.Encoding.UTF8.GetByteCount(encoded) > parameters.MaximumDecodedLength)
            {
                return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.DecodedSizeExceeded);
            }

            return Saml2DecodedAssertionBuffer.Owned(System.Text.Encoding.UTF8.GetBytes(encoded.ToString()));
        }

        var decoded = DecodeBase64(encoded, allowed);
        if (!decoded.Succeeded)
        {
            return decoded;
        }

        if (LooksLikeXml(decoded.Xml))
        {
            if (decoded.Xml.Length > parameters.MaximumDecodedLength)
            {
                decoded.Dispose();
                return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.DecodedSizeExceeded);
            }

            return decoded;
        }

        using (decoded)
        {
            if ((allowed & Saml2AssertionEncodings.Deflate) == 0)
            {
                return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.InvalidEncoding);
            }

            return Inflate(decoded.Xml, parameters.MaximumDecodedLength);
        }
    }

    private static Saml2DecodedAssertionBuffer DecodeBase64(ReadOnlySpan<char> encoded, Saml2AssertionEncodings allowed)
    {
        var invalid = Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.InvalidEncoding);
        var hasUrlCharacters = encoded.ContainsAny('-', '_');
        var hasStandardCharacters = encoded.ContainsAny('+', '/');
        if (hasUrlCharacters && hasStandardCharacters)
        {
            return invalid;
        }

        if (hasUrlCharacters ? (allowed & Saml2AssertionEncodings.Base64Url) == 0
            : hasStandardCharacters ? (allowed & Saml2AssertionEncodings.Base64) == 0
            : (allowed & (Saml2AssertionEncodings.Base64 | Saml2AssertionEncodings.Base64Url)) == 0)
        {
            return invalid;
        }

        var unpadded = encoded.TrimEnd('=');
        if (encoded.Length - unpadded.Length > 2 || unpadded.Length % 4 == 1
            || unpadded.ContainsAnyExcept(hasUrlCharacters ? UrlAlphabet : StandardAlphabet))
        {
            return invalid;
        }

        // The characters are ASCII now: narrow them into a pooled buffer, rewrite base64url as standard
        // base64 and pad it, then decode in place (Base64 is strict: no whitespace, padding only at the end).
        var paddedLength = (unpadded.Length + 3) / 4 * 4;
        var buffer = ArrayPool<byte>.Shared.Rent(paddedLength);
        var text = buffer.AsSpan(0, paddedLength);
        if (System.Text.Ascii.FromUtf16(unpadded, text, out _) != OperationStatus.Done)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
            return invalid;
        }

        if (hasUrlCharacters)
        {
            text[..unpadded.Length].Replace((byte)'-', (byte)'+');
            text[..unpadded.Length].Replace((byte)'_', (byte)'/');
        }

        text[unpadded.Length..].Fill((byte)'=');
        if (Base64.DecodeFromUtf8InPlace(text, out var written) == OperationStatus.Done && written > 0)
        {
            return Saml2DecodedAssertionBuffer.Pooled(buffer, written);
        }

        ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        return invalid;
    }

    /// <summary>
    /// Whether the bytes start an XML document: UTF-8 (with or without its byte order mark), or UTF-16
    /// where the XML parser recognises it (XML 1.0 appendix F): a byte order mark, or a first character
    /// <c>&lt;</c> in either byte order. The parser decodes UTF-16 itself, and the signature is verified
    /// over the canonical form, which is UTF-8 whatever the input was. UTF-32 (UCS-4) is not XML here: no
    /// known signer sends it.
    /// </summary>
    private static bool LooksLikeXml(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(Utf16LittleEndianBom) || bytes.StartsWith(Utf16BigEndianBom))
        {
            return bytes.Length >= 4 && !bytes[2..4].SequenceEqual(Utf32Tail) && IsUtf16Markup(bytes[2..], bigEndian: bytes[0] == 0xFE);
        }

        if (bytes.Length >= 4 && (bytes.StartsWith(Utf16LittleEndianMarkup) || bytes.StartsWith(Utf16BigEndianMarkup)))
        {
            return !bytes[2..4].SequenceEqual(Utf32Tail);
        }

        if (bytes.StartsWith(Utf8Bom))
        {
            bytes = bytes[Utf8Bom.Length..];
        }

        bytes = bytes.TrimStart(" \t\r\n"u8);
        return !bytes.IsEmpty && bytes[0] == (byte)'<';
    }

    /// <summary>Whether UTF-16 text starts with optional whitespace and then <c>&lt;</c>.</summary>
    private static bool IsUtf16Markup(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        for (var i = 0; i + 1 < bytes.Length; i += 2)
        {
            var (high, low) = bigEndian ? (bytes[i], bytes[i + 1]) : (bytes[i + 1], bytes[i]);
            if (high != 0)
            {
                return false;
            }

            if (low == (byte)'<')
            {
                return true;
            }

            if (low is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return false;
    }

    private static Saml2DecodedAssertionBuffer Inflate(ReadOnlySpan<byte> compressed, int maximumLength)
    {
        try
        {
            using var input = new CompressedInput(compressed.ToArray());
            using var deflate = new DeflateStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = deflate.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (output.Length + read > maximumLength)
                    {
                        return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.DecodedSizeExceeded);
                    }

                    output.Write(buffer, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            // DeflateStream ends a truncated stream silently (unless the process-wide
            // System.IO.Compression.UseStrictValidation switch is on): a complete stream stops at its
            // final block, a truncated one asks its input for more after the input is exhausted.
            if (input.ReadPastEnd)
            {
                return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.InvalidEncoding);
            }

            var inflated = output.ToArray();
            return LooksLikeXml(inflated)
                ? Saml2DecodedAssertionBuffer.Owned(inflated)
                : Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.InvalidEncoding);
        }
        catch (InvalidDataException)
        {
            return Saml2DecodedAssertionBuffer.Fail(Saml2AssertionFailureReason.InvalidEncoding);
        }
    }

    /// <summary>The compressed bytes, remembering whether the inflater asked for more than there is.</summary>
    private sealed class CompressedInput(byte[] compressed) : MemoryStream(compressed, writable: false)
    {
        public bool ReadPastEnd { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Track(base.Read(buffer, offset, count), count);

        public override int Read(Span<byte> buffer) => Track(base.Read(buffer), buffer.Length);

        private int Track(int read, int requested)
        {
            if (read == 0 && requested > 0)
            {
                ReadPastEnd = true;
            }

            return read;
        }
    }
}
