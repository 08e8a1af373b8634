using System.IO.Compression;
using System.Text;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

public sealed class Saml2AssertionDecoderTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const Saml2AssertionEncodings All = Saml2AssertionEncodings.Default | Saml2AssertionEncodings.RawXml;

    /// <summary>Each way a caller may send an assertion, and the encodings it needs.</summary>
    private static readonly Dictionary<string, (Func<byte[], string> Encode, Saml2AssertionEncodings Needs)> Encodings = new(StringComparer.Ordinal)
    {
        ["base64"] = (Base64, Saml2AssertionEncodings.Base64),
        ["base64 without padding"] = (xml => Base64(xml).TrimEnd('='), Saml2AssertionEncodings.Base64),
        ["base64url with padding"] = (xml => ToUrlAlphabet(Base64(xml)), Saml2AssertionEncodings.Base64Url),
        ["base64url without padding"] = (xml => ToUrlAlphabet(Base64(xml)).TrimEnd('='), Saml2AssertionEncodings.Base64Url),
        ["raw DEFLATE + base64"] = (xml => Base64(Deflate(xml)), Saml2AssertionEncodings.Base64 | Saml2AssertionEncodings.Deflate),
        ["raw DEFLATE + base64url without padding"] =
            (xml => ToUrlAlphabet(Base64(Deflate(xml))).TrimEnd('='), Saml2AssertionEncodings.Base64Url | Saml2AssertionEncodings.Deflate),
        ["raw XML"] = (xml => Encoding.UTF8.GetString(xml), Saml2AssertionEncodings.RawXml),
    };

    public static TheoryData<string> EncodingNames => new(Encodings.Keys);

    [Theory]
    [MemberData(nameof(EncodingNames))]
    public void Decode_ValidEncoding_ReturnsIdenticalXmlBytes(string encoding)
    {
        var xml = SignedXmlNeedingTwoPaddingCharacters();
        var (encode, needs) = Encodings[encoding];
        var encoded = encode(xml);

        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(needs));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(xml, result.Xml);
    }

    [Theory]
    [MemberData(nameof(EncodingNames))]
    public void DecodeToBuffer_ValidEncoding_HoldsIdenticalXmlBytesUntilDisposed(string encoding)
    {
        var xml = SignedXmlNeedingTwoPaddingCharacters();
        var (encode, needs) = Encodings[encoding];

        var buffer = Saml2AssertionDecoder.DecodeToBuffer(encode(xml), Parameters(needs));
        var held = buffer.Xml.ToArray();
        buffer.Dispose();

        Assert.Equal(xml, held);
        Assert.False(buffer.Succeeded);
        Assert.True(buffer.Xml.IsEmpty);
    }

    [Theory]
    [MemberData(nameof(EncodingNames))]
    public async Task ValidateAsync_ValidEncoding_IsAccepted(string encoding)
    {
        var xml = SignedXmlNeedingTwoPaddingCharacters();
        var (encode, needs) = Encodings[encoding];
        var validator = fixture.CreateValidator(p => p.AllowedEncodings = needs);

        var result = await validator.ValidateAsync(encode(xml));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal("alice@example.com", result.Assertion!.NameId.Value);
    }

    [Theory]
    [InlineData("base64", Saml2AssertionEncodings.Base64, Saml2AssertionFailureReason.InvalidEncoding)]
    [InlineData("base64 without padding", Saml2AssertionEncodings.Base64, Saml2AssertionFailureReason.InvalidEncoding)]
    [InlineData("base64url with padding", Saml2AssertionEncodings.Base64Url, Saml2AssertionFailureReason.InvalidEncoding)]
    [InlineData("base64url without padding", Saml2AssertionEncodings.Base64Url, Saml2AssertionFailureReason.InvalidEncoding)]
    [InlineData("raw DEFLATE + base64", Saml2AssertionEncodings.Deflate, Saml2AssertionFailureReason.InvalidEncoding)]
    [InlineData("raw DEFLATE + base64url without padding", Saml2AssertionEncodings.Deflate, Saml2AssertionFailureReason.InvalidEncoding)]
    [InlineData("raw XML", Saml2AssertionEncodings.RawXml, Saml2AssertionFailureReason.RawXmlNotAllowed)]
    public void Decode_EncodingDisabled_IsRefused(string encoding, Saml2AssertionEncodings disabled, Saml2AssertionFailureReason expected)
    {
        var xml = SignedXmlNeedingTwoPaddingCharacters();
        var encoded = Encodings[encoding].Encode(xml);

        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(All & ~disabled));

        Assert.Equal(expected, result.FailureReason);
        Assert.Null(result.Xml);
    }

    [Fact]
    public void Decode_RawXmlWithDefaultEncodings_FailsWithRawXmlNotAllowed()
    {
        var xml = SignedXml();

        var result = Saml2AssertionDecoder.Decode(Encoding.UTF8.GetString(xml), Parameters(Saml2AssertionEncodings.Default));

        Assert.Equal(Saml2AssertionFailureReason.RawXmlNotAllowed, result.FailureReason);
    }

    [Theory]
    [InlineData("base64")]
    [InlineData("raw DEFLATE + base64")]
    public async Task ValidateAsync_Utf8ByteOrderMarkBeforeXml_IsAccepted(string encoding)
    {
        var xml = SignedXml();
        var withBom = Encoding.UTF8.GetPreamble().Concat(xml).ToArray();
        var encoded = Encodings[encoding].Encode(withBom);

        var decoded = Saml2AssertionDecoder.Decode(encoded, Parameters(All));
        var result = await fixture.CreateValidator().ValidateAsync(encoded);

        Assert.Equal(withBom, decoded.Xml);
        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Theory]
    [InlineData("base64", " ", "\r\n")]
    [InlineData("base64url without padding", "\t", " \n")]
    [InlineData("raw DEFLATE + base64", "\r\n ", "\t")]
    public void Decode_SurroundingWhitespace_IsIgnored(string encoding, string before, string after)
    {
        var xml = SignedXmlNeedingTwoPaddingCharacters();
        var (encode, needs) = Encodings[encoding];

        var result = Saml2AssertionDecoder.Decode(before + encode(xml) + after, Parameters(needs));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(xml, result.Xml);
    }

    [Theory]
    [InlineData(false, '_')]
    [InlineData(false, '-')]
    [InlineData(true, '/')]
    [InlineData(true, '+')]
    public void Decode_Base64AndBase64UrlAlphabetsMixed_FailsWithInvalidEncoding(bool urlAlphabet, char intruder)
    {
        // The base64 of ASCII XML always holds '+' (from '>'); its url form holds '-'. One letter
        // is replaced by a character of the other alphabet.
        var base64 = Base64(SignedXml());
        var encoded = urlAlphabet ? ToUrlAlphabet(base64) : base64;
        var index = encoded.IndexOf('A', StringComparison.Ordinal);
        var mixed = string.Concat(encoded.AsSpan(0, index), intruder.ToString(), encoded.AsSpan(index + 1));

        var result = Saml2AssertionDecoder.Decode(mixed, Parameters(All));

        Assert.Equal(Saml2AssertionFailureReason.InvalidEncoding, result.FailureReason);
    }

    [Fact]
    public void Decode_EncodedOneCharacterOverTheCap_FailsWithEncodedSizeExceeded()
    {
        var encoded = Base64(SignedXml());

        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(All, maximumEncodedLength: encoded.Length - 1));

        Assert.Equal(Saml2AssertionFailureReason.EncodedSizeExceeded, result.FailureReason);
    }

    [Fact]
    public void Decode_EncodedExactlyAtTheCap_IsDecoded()
    {
        var xml = SignedXml();
        var encoded = Base64(xml);

        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(All, maximumEncodedLength: encoded.Length));

        Assert.Equal(xml, result.Xml);
    }

    [Fact]
    public void Decode_InvalidDataOverTheEncodedCap_FailsWithEncodedSizeExceededBeforeDecoding()
    {
        // Not base64 at all: only a size check that runs before decoding can report the size.
        var encoded = new string('!', 1001);

        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(All, maximumEncodedLength: 1000));

        Assert.Equal(Saml2AssertionFailureReason.EncodedSizeExceeded, result.FailureReason);
    }

    [Theory]
    [InlineData("base64")]
    [InlineData("base64url without padding")]
    [InlineData("raw DEFLATE + base64")]
    [InlineData("raw XML")]
    public void Decode_DecodedOneByteOverTheCap_FailsWithDecodedSizeExceeded(string encoding)
    {
        var xml = SignedXml();
        var encoded = Encodings[encoding].Encode(xml);

        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(All, maximumDecodedLength: xml.Length - 1));

        Assert.Equal(Saml2AssertionFailureReason.DecodedSizeExceeded, result.FailureReason);
    }

    [Theory]
    [InlineData("base64")]
    [InlineData("base64url without padding")]
    [InlineData("raw DEFLATE + base64")]
    [InlineData("raw XML")]
    public void Decode_DecodedExactlyAtTheCap_IsDecoded(string encoding)
    {
        var xml = SignedXml();
        var encoded = Encodings[encoding].Encode(xml);

        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(All, maximumDecodedLength: xml.Length));

        Assert.Equal(xml, result.Xml);
    }

    [Fact]
    public void Decode_DeflateLongerThanTheInflaterReadBuffer_ReturnsIdenticalXmlBytes()
    {
        // Random attribute values keep the compressed form well over the 8 KiB that DeflateStream
        // reads from its input at a time, so the stream is inflated across several reads.
        var builder = fixture.NewAssertion();
        for (var i = 0; i < 1200; i++)
        {
            builder.Attributes.Add(new("urn:example:attribute:" + i, [Guid.NewGuid().ToString("N")]));
        }

        var xml = Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey));
        var compressed = Deflate(xml);
        Assert.True(compressed.Length > 3 * 8192, $"Compressed to only {compressed.Length} bytes.");

        var result = Saml2AssertionDecoder.Decode(Base64(compressed), Parameters(All));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(xml, result.Xml);
    }

    [Fact]
    public void Decode_DeflateBomb_FailsWithDecodedSizeExceeded()
    {
        // 64 MiB of XML-looking text compresses to about 64 KiB: well inside the encoded cap.
        var bomb = new byte[64 * 1024 * 1024];
        bomb.AsSpan().Fill((byte)' ');
        "<a>"u8.CopyTo(bomb);
        var encoded = Base64(Deflate(bomb));
        Assert.True(encoded.Length < Saml2AssertionValidationParameters.DefaultMaximumEncodedLength);

        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(All));

        Assert.Equal(Saml2AssertionFailureReason.DecodedSizeExceeded, result.FailureReason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(2)]
    public void Decode_TruncatedDeflate_FailsWithInvalidEncoding(int divisor)
    {
        // divisor 1 drops only the last byte; the others cut the stream to a fraction of its length.
        var compressed = Deflate(SignedXml());
        var length = divisor == 1 ? compressed.Length - 1 : compressed.Length / divisor;

        var result = Saml2AssertionDecoder.Decode(Base64(compressed[..length]), Parameters(All));

        Assert.Equal(Saml2AssertionFailureReason.InvalidEncoding, result.FailureReason);
        Assert.Null(result.Xml);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \r\n\t ")]
    [InlineData("not base64!")]
    [InlineData("A")]
    [InlineData("QUJDRA===")]
    [InlineData("=")]
    [InlineData("QUJD RA==")]
    [InlineData("QUJD\r\nRA==")]
    [InlineData("QUJD\tRA==")]
    [InlineData("QU-D RA")]
    [InlineData("QUJDRA=\n=")]
    [InlineData("%3Csaml%3A")]
    public void Decode_Garbage_FailsWithInvalidEncoding(string encoded)
    {
        var result = Saml2AssertionDecoder.Decode(encoded, Parameters(All));

        Assert.Equal(Saml2AssertionFailureReason.InvalidEncoding, result.FailureReason);
    }

    [Fact]
    public void Decode_Base64OfBytesThatAreNeitherXmlNorDeflate_FailsWithInvalidEncoding()
    {
        // 0xFF starts a DEFLATE block of the reserved type 3, which no inflater accepts.
        var garbage = Enumerable.Repeat((byte)0xFF, 64).ToArray();

        var result = Saml2AssertionDecoder.Decode(Base64(garbage), Parameters(All));

        Assert.Equal(Saml2AssertionFailureReason.InvalidEncoding, result.FailureReason);
    }

    [Fact]
    public void Decode_DeflateOfTextThatIsNotXml_FailsWithInvalidEncoding()
    {
        var result = Saml2AssertionDecoder.Decode(Base64(Deflate("hello, not xml"u8.ToArray())), Parameters(All));

        Assert.Equal(Saml2AssertionFailureReason.InvalidEncoding, result.FailureReason);
    }

    private byte[] SignedXml() => Saml2AssertionBuilder.ToBytes(fixture.NewAssertion().BuildSigned(fixture.IdpKey));

    /// <summary>
    /// A signed assertion whose length leaves one byte over a multiple of three, so that its base64
    /// form ends in "==" and dropping the padding is a real change. The assertion ID is lengthened
    /// until it does; signature and digest values have a fixed length.
    /// </summary>
    private byte[] SignedXmlNeedingTwoPaddingCharacters()
    {
        for (var extra = 0; extra < 3; extra++)
        {
            var builder = fixture.NewAssertion();
            builder.Id += new string('x', extra);
            var xml = Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey));
            if (xml.Length % 3 == 1)
            {
                Assert.EndsWith("==", Base64(xml), StringComparison.Ordinal);
                return xml;
            }
        }

        throw new InvalidOperationException("No assertion length left one byte over a multiple of three.");
    }

    private Saml2AssertionValidationParameters Parameters(
        Saml2AssertionEncodings allowed,
        int maximumEncodedLength = Saml2AssertionValidationParameters.DefaultMaximumEncodedLength,
        int maximumDecodedLength = Saml2AssertionValidationParameters.DefaultMaximumDecodedLength) =>
        fixture.CreateParameters(p =>
        {
            p.AllowedEncodings = allowed;
            p.MaximumEncodedLength = maximumEncodedLength;
            p.MaximumDecodedLength = maximumDecodedLength;
        });

    private static string Base64(byte[] bytes) => Convert.ToBase64String(bytes);

    private static string ToUrlAlphabet(string base64)
    {
        Assert.True(base64.AsSpan().ContainsAny('+', '/'), "The base64 form holds neither '+' nor '/': the url alphabet would not be exercised.");
        return base64.Replace('+', '-').Replace('/', '_');
    }

    private static byte[] Deflate(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal))
        {
            deflate.Write(bytes);
        }

        return output.ToArray();
    }
}
