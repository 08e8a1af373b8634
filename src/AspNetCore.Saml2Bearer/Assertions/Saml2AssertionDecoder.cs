using System.Buffers;
using System.IO.Compression;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Turns what a caller sends into the assertion's XML bytes: base64, base64url (padding optional),
/// raw DEFLATE inside either (Apache CXF), or raw XML when allowed. Sizes are capped before any work.
/// </summary>
internal static class Saml2AssertionDecoder
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Decodes <paramref name="encoded"/>.</summary>
    /// <param name="encoded">The credential as the caller sent it.</param>
    /// <param name="parameters">The limits and allowed encodings.</param>
    /// <returns>The XML bytes, or the reason they could not be had.</returns>
    public static Saml2AssertionDecodeResult Decode(ReadOnlySpan<char> encoded, Saml2AssertionValidationParameters parameters)
    {
        if (encoded.Length > parameters.MaximumEncodedLength)
        {
            return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.EncodedSizeExceeded);
        }

        encoded = encoded.Trim();
        if (encoded.IsEmpty)
        {
            return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.InvalidEncoding);
        }

        var allowed = parameters.AllowedEncodings;
        if (encoded[0] == '<')
        {
            if ((allowed & Saml2AssertionEncodings.RawXml) == 0)
            {
                return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.RawXmlNotAllowed);
            }

            if (System.Text.Encoding.UTF8.GetMaxByteCount(encoded.Length) > parameters.MaximumDecodedLength
                && System.Text.Encoding.UTF8.GetByteCount(encoded) > parameters.MaximumDecodedLength)
            {
                return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.DecodedSizeExceeded);
            }

            return Saml2AssertionDecodeResult.Ok(System.Text.Encoding.UTF8.GetBytes(encoded.ToString()));
        }

        var decoded = DecodeBase64(encoded, allowed);
        if (decoded is null)
        {
            return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.InvalidEncoding);
        }

        if (LooksLikeXml(decoded))
        {
            return decoded.Length > parameters.MaximumDecodedLength
                ? Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.DecodedSizeExceeded)
                : Saml2AssertionDecodeResult.Ok(decoded);
        }

        if ((allowed & Saml2AssertionEncodings.Deflate) == 0)
        {
            return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.InvalidEncoding);
        }

        return Inflate(decoded, parameters.MaximumDecodedLength);
    }

    private static byte[]? DecodeBase64(ReadOnlySpan<char> encoded, Saml2AssertionEncodings allowed)
    {
        var hasUrlCharacters = encoded.ContainsAny('-', '_');
        var hasStandardCharacters = encoded.ContainsAny('+', '/');
        if (hasUrlCharacters && hasStandardCharacters)
        {
            return null;
        }

        if (hasUrlCharacters ? (allowed & Saml2AssertionEncodings.Base64Url) == 0
            : hasStandardCharacters ? (allowed & Saml2AssertionEncodings.Base64) == 0
            : (allowed & (Saml2AssertionEncodings.Base64 | Saml2AssertionEncodings.Base64Url)) == 0)
        {
            return null;
        }

        var unpadded = encoded.TrimEnd('=');
        if (encoded.Length - unpadded.Length > 2 || unpadded.Length % 4 == 1)
        {
            return null;
        }

        var paddedLength = (unpadded.Length + 3) / 4 * 4;
        var rented = ArrayPool<char>.Shared.Rent(paddedLength);
        try
        {
            var buffer = rented.AsSpan(0, paddedLength);
            for (var i = 0; i < unpadded.Length; i++)
            {
                var c = unpadded[i];
                buffer[i] = c switch
                {
                    '-' => '+',
                    '_' => '/',
                    _ when char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/' => c,
                    _ => '\0',
                };
                if (buffer[i] == '\0')
                {
                    return null;
                }
            }

            buffer[unpadded.Length..].Fill('=');
            var bytes = new byte[paddedLength / 4 * 3];
            return Convert.TryFromBase64Chars(buffer, bytes, out var written) && written > 0
                ? bytes.AsSpan(0, written).ToArray()
                : null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static bool LooksLikeXml(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(Utf8Bom))
        {
            bytes = bytes[Utf8Bom.Length..];
        }

        bytes = bytes.TrimStart(" \t\r\n"u8);
        return !bytes.IsEmpty && bytes[0] == (byte)'<';
    }

    private static Saml2AssertionDecodeResult Inflate(byte[] compressed, int maximumLength)
    {
        try
        {
            using var input = new CompressedInput(compressed);
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
                        return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.DecodedSizeExceeded);
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
                return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.InvalidEncoding);
            }

            var inflated = output.ToArray();
            return LooksLikeXml(inflated)
                ? Saml2AssertionDecodeResult.Ok(inflated)
                : Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.InvalidEncoding);
        }
        catch (InvalidDataException)
        {
            return Saml2AssertionDecodeResult.Fail(Saml2AssertionFailureReason.InvalidEncoding);
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
