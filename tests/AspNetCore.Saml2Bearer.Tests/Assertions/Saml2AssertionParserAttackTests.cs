using System.Diagnostics;
using System.Net;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// SECURITY-CASES.md, "Parser" (rows 32-36), and the decoder's DEFLATE bomb. Payloads are wrapped
/// around a valid signed assertion V and sent through <see cref="Saml2AssertionValidator.ValidateAsync"/>.
/// </summary>
public sealed class Saml2AssertionParserAttackTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    /// <summary>Generous bound for "reject fast" on a busy two-core machine; an expansion would take far longer.</summary>
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(5);

    private XmlDocument SignedV() => fixture.NewAssertion().BuildSigned(fixture.IdpKey);

    private async Task<Saml2AssertionValidationResult> ValidateAsync(string encoded, Action<Saml2AssertionValidationParameters>? configure = null) =>
        await fixture.CreateValidator(configure).ValidateAsync(encoded);

    [Fact]
    public async Task RecordingTcpListener_HttpFetch_IsRecorded()
    {
        // Control for row 32: the listener the XXE tests rely on does see a fetch.
        using var listener = new RecordingTcpListener();
        using var client = new HttpClient();

        using var response = await client.GetAsync(listener.Url("probe"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, listener.Connections);
    }

    [Fact]
    public async Task ValidateAsync_ExternalGeneralEntity_ReturnsMalformedXmlWithoutFetching()
    {
        // Row 32: Xxe.
        using var listener = new RecordingTcpListener();
        var xml = MaliciousAssertions.WithExternalEntity(SignedV(), listener.Url("xxe"));

        var result = await ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task ValidateAsync_ExternalParameterEntity_ReturnsMalformedXmlWithoutFetching()
    {
        // Row 32: Xxe through a parameter entity (out-of-band exfiltration form).
        using var listener = new RecordingTcpListener();
        var xml = MaliciousAssertions.WithExternalParameterEntity(SignedV(), listener.Url("dtd"));

        var result = await ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task ValidateAsync_ExternalEntityInsideDeflate_ReturnsMalformedXmlWithoutFetching()
    {
        // Row 32: the same payload through the Apache CXF DEFLATE encoding.
        using var listener = new RecordingTcpListener();
        var xml = MaliciousAssertions.WithExternalEntity(SignedV(), listener.Url("xxe-deflate"));

        var result = await ValidateAsync(Convert.ToBase64String(MaliciousAssertions.Deflate(Encoding.UTF8.GetBytes(xml))));

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task ValidateAsync_BillionLaughs_ReturnsMalformedXmlFast()
    {
        // Row 33: BillionLaughs.
        var encoded = MaliciousAssertions.Base64(MaliciousAssertions.WithBillionLaughs(SignedV()));
        var stopwatch = Stopwatch.StartNew();

        var result = await ValidateAsync(encoded);

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
        Assert.True(stopwatch.Elapsed < Fast, $"Took {stopwatch.Elapsed}.");
    }

    [Fact]
    public async Task ValidateAsync_SignedAssertionOverEncodedLimit_ReturnsEncodedSizeExceeded()
    {
        // Row 34: Oversize, a genuinely signed assertion padded beyond 256 KB once encoded.
        var builder = fixture.NewAssertion();
        builder.Attributes.Add(new("urn:example:padding", [new string('x', 200 * 1024)]));
        var encoded = builder.BuildEncoded(fixture.IdpKey);
        Assert.True(encoded.Length > Saml2AssertionValidationParameters.DefaultMaximumEncodedLength);

        var result = await ValidateAsync(encoded);

        Assert.Equal(Saml2AssertionFailureReason.EncodedSizeExceeded, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_OneCharacterOverEncodedLimit_ReturnsEncodedSizeExceeded()
    {
        // Row 34: the limit is checked before decoding (this value is not even valid base64 of XML).
        var encoded = new string('A', Saml2AssertionValidationParameters.DefaultMaximumEncodedLength + 1);

        var result = await ValidateAsync(encoded);

        Assert.Equal(Saml2AssertionFailureReason.EncodedSizeExceeded, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_TenThousandNestedElements_ReturnsDepthExceededFast()
    {
        // Row 35: DeepNesting.
        var encoded = MaliciousAssertions.Base64(MaliciousAssertions.WithDeepNesting(SignedV(), 10_000));
        var stopwatch = Stopwatch.StartNew();

        var result = await ValidateAsync(encoded);

        Assert.Equal(Saml2AssertionFailureReason.DepthExceeded, result.FailureReason);
        Assert.True(stopwatch.Elapsed < Fast, $"Took {stopwatch.Elapsed}.");
    }

    [Theory]
    [InlineData("this is not base64!")]
    [InlineData("%3Csaml%3AAssertion")]
    [InlineData("PHNhbWw-Ojxh+c3NlcnRpb24")] // base64 and base64url alphabets mixed
    [InlineData("PHNhb")] // a length no base64 value can have
    [InlineData("PHNh=bWw6")] // padding in the middle
    [InlineData("   ")]
    public async Task ValidateAsync_NotBase64_ReturnsInvalidEncoding(string encoded)
    {
        // Row 36: BadEncoding, not base64.
        var result = await ValidateAsync(encoded);

        Assert.Equal(Saml2AssertionFailureReason.InvalidEncoding, result.FailureReason);
    }

    [Theory]
    [InlineData("This is plain text and not XML at all.")]
    [InlineData("{\"sub\":\"admin@example.com\"}")]
    public async Task ValidateAsync_Base64OfNonXml_ReturnsInvalidEncoding(string text)
    {
        // Row 36: BadEncoding, valid base64 of something that is neither XML nor DEFLATE.
        var result = await ValidateAsync(MaliciousAssertions.Base64(text));

        Assert.Equal(Saml2AssertionFailureReason.InvalidEncoding, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Base64OfTruncatedXml_ReturnsMalformedXml()
    {
        // Row 36: BadEncoding, XML-looking bytes that do not parse.
        var xml = SignedV().OuterXml;

        var result = await ValidateAsync(MaliciousAssertions.Base64(xml[..(xml.Length / 2)]));

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
    }

    [Theory]
    [InlineData("ibm037")]
    [InlineData("UTF-7")]
    [InlineData("x-attacker")]
    public async Task ValidateAsync_XmlDeclarationWithUnsupportedEncoding_ReturnsMalformedXml(string encoding)
    {
        // Row 36: a declared encoding the parser does not support must be a clean rejection, not an exception.
        var xml = $"<?xml version=\"1.0\" encoding=\"{encoding}\"?>" + SignedV().OuterXml;

        var result = await ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_DeflatedV_IsAccepted()
    {
        // Control for the DEFLATE rows: the encoding itself is accepted.
        var deflated = MaliciousAssertions.Deflate(Saml2AssertionBuilder.ToBytes(SignedV()));

        var result = await ValidateAsync(Convert.ToBase64String(deflated));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ValidateAsync_TruncatedDeflate_ReturnsInvalidEncoding(int divisor)
    {
        // Row 36: BadEncoding, a DEFLATE stream cut short. The decoder notices that the inflater
        // wanted more input than there was, so the cut is an encoding fault, never a prefix of XML.
        var deflated = MaliciousAssertions.Deflate(Saml2AssertionBuilder.ToBytes(SignedV()));

        var result = await ValidateAsync(Convert.ToBase64String(deflated[..(deflated.Length / divisor)]));

        Assert.Equal(Saml2AssertionFailureReason.InvalidEncoding, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_DeflateBomb_ReturnsDecodedSizeExceeded()
    {
        // DEFLATE bomb: 64 MB inflated from a few tens of KB; inflation stops at the decoded limit.
        var encoded = MaliciousAssertions.DeflateBomb(64 * 1024 * 1024);
        Assert.True(encoded.Length < Saml2AssertionValidationParameters.DefaultMaximumEncodedLength);
        var stopwatch = Stopwatch.StartNew();

        var result = await ValidateAsync(encoded);

        Assert.Equal(Saml2AssertionFailureReason.DecodedSizeExceeded, result.FailureReason);
        Assert.True(stopwatch.Elapsed < Fast, $"Took {stopwatch.Elapsed}.");
    }

    [Fact]
    public async Task ValidateAsync_RawXml_ReturnsRawXmlNotAllowed()
    {
        // Row 36: raw XML is an encoding of its own, off by default.
        var result = await ValidateAsync(SignedV().OuterXml);

        Assert.Equal(Saml2AssertionFailureReason.RawXmlNotAllowed, result.FailureReason);
    }
}
