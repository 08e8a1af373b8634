using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// Interoperability of <see cref="Saml2AssertionValidator"/> with xmlsec1, an independent XML-DSig
/// implementation: what xmlsec1 signs we accept (and reject once altered), and what our test signer
/// produces xmlsec1 verifies.
/// </summary>
public sealed class Xmlsec1InteropTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    /// <summary>Occurs once in the document, so the tampering below hits the NameID and nothing else.</summary>
    private const string InteropNameId = "interop.alice@example.com";

    private const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    private const string XmlSchemaNs = "http://www.w3.org/2001/XMLSchema";
    private const string XmlSchemaInstanceNs = "http://www.w3.org/2001/XMLSchema-instance";

    private static readonly Dictionary<string, Variant> Variants = new(StringComparer.Ordinal)
    {
        ["compact, saml: assertion, ds: signature"] = new(),
        ["compact, saml2: assertion"] = new() { AssertionPrefix = "saml2" },
        ["compact, default-namespace assertion"] = new() { AssertionPrefix = "" },
        ["compact, default-namespace signature"] = new() { SignaturePrefix = "" },
        ["compact, default-namespace assertion and signature"] = new() { AssertionPrefix = "", SignaturePrefix = "" },
        ["indented LF, saml: assertion"] = new() { NewLine = "\n" },
        ["indented LF, saml2: assertion, default-namespace signature"] = new() { NewLine = "\n", AssertionPrefix = "saml2", SignaturePrefix = "" },
        ["indented LF, default-namespace assertion"] = new() { NewLine = "\n", AssertionPrefix = "" },
        ["indented CRLF, saml: assertion"] = new() { NewLine = "\r\n" },
        ["indented CRLF, default-namespace assertion and signature"] = new() { NewLine = "\r\n", AssertionPrefix = "", SignaturePrefix = "" },
        ["indented CRLF, CRLF kept on the wire"] = new() { NewLine = "\r\n", CrlfOnTheWire = true },
        ["ecdsa-sha256 P-256"] = new() { Ecdsa = true, SignatureAlgorithm = EcdsaSha256 },
        ["ecdsa-sha256 P-256, indented"] = new() { Ecdsa = true, SignatureAlgorithm = EcdsaSha256, NewLine = "\n" },
        ["rsa-sha512, sha512"] = new() { SignatureAlgorithm = SignedXml.XmlDsigRSASHA512Url, DigestAlgorithm = SignedXml.XmlDsigSHA512Url },
        ["InclusiveNamespaces xs on the reference transform"] = new() { TypedAttributeValues = true, ReferencePrefixList = "xs" },
        ["InclusiveNamespaces xs xsi on the reference and SignedInfo, indented"] =
            new() { TypedAttributeValues = true, ReferencePrefixList = "xs xsi", SignedInfoPrefixList = "xs xsi", NewLine = "\n" },
        ["InclusiveNamespaces #default xs, default-namespace assertion"] =
            new() { AssertionPrefix = "", TypedAttributeValues = true, ReferencePrefixList = "#default xs" },
    };

    public static TheoryData<string> VariantNames => new(Variants.Keys);

    [Theory]
    [MemberData(nameof(VariantNames))]
    public async Task ValidateDecodedAsync_SignedByXmlsec1_IsAccepted(string variant)
    {
        var (builder, signed) = await SignWithXmlsec1Async(Variants[variant]);

        var result = await fixture.CreateValidator().ValidateDecodedAsync(signed);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(builder.Id, result.Assertion!.Id);
        Assert.Equal(Saml2AssertionBuilder.DefaultIssuer, result.Assertion.Issuer);
        Assert.Equal(InteropNameId, result.Assertion.NameId.Value);
        Assert.Equal(Saml2AssertionBuilder.EmailFormat, result.Assertion.NameId.Format);
        Assert.Equal(Variants[variant].SignatureAlgorithm, result.Assertion.SignatureAlgorithm);
        Assert.Equal(Variants[variant].DigestAlgorithm, result.Assertion.DigestAlgorithm);
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public async Task ValidateDecodedAsync_SignedByXmlsec1ThenNameIdChanged_FailsWithDigestMismatch(string variant)
    {
        var (_, signed) = await SignWithXmlsec1Async(Variants[variant]);
        var tampered = ChangeOneCharacterOfNameId(signed);

        var result = await fixture.CreateValidator().ValidateDecodedAsync(tampered);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public async Task ValidateLoadedAsync_SignedByXmlsec1InSoapEnvelopeWithItsDeclarationsOnTheEnvelope_IsAccepted(string variant)
    {
        // A SOAP client may hoist the assertion's declarations (xs and xsi of the PrefixList among them) to
        // the Envelope: the ones pushed back down must make the signature verify, and the bytes sent on too.
        var (builder, signed) = await SignWithXmlsec1Async(Variants[variant]);
        var assertion = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        assertion.Load(new MemoryStream(signed));
        var envelope = SoapEnvelopeBuilder.Soap12().Declare("unused", "urn:example:unused");
        foreach (var declaration in assertion.SelectNodes("//namespace::*[name() != 'xml']")!.OfType<XmlNode>().Where(n => n.Name.StartsWith("xmlns:", StringComparison.Ordinal)))
        {
            envelope.Declare(declaration.LocalName, declaration.Value!);
        }

        envelope.AddAssertion(envelope.AddSecurityHeader(), assertion);
        var read = SoapEnvelopeReader.Read(envelope.ToBytes(), SoapVersion.Soap12, 256 * 1024, 64);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, read.Outcome);
        var detached = Encoding.UTF8.GetString(read.AssertionXml!);
        Assert.DoesNotContain("xmlns:unused=", detached, StringComparison.Ordinal);
        Assert.DoesNotContain("xmlns:wsse=", detached, StringComparison.Ordinal);
        var loaded = await fixture.CreateValidator().ValidateLoadedAsync(read.AssertionDocument!, read.AssertionXml!);
        Assert.Equal(Saml2AssertionFailureReason.None, loaded.FailureReason);
        Assert.Equal(builder.Id, loaded.Assertion!.Id);
        var sentOn = await fixture.CreateValidator().ValidateDecodedAsync(read.AssertionXml!);
        Assert.Equal(Saml2AssertionFailureReason.None, sentOn.FailureReason);
    }

    [Theory]
    [InlineData("xmlns:xs=\"" + XmlSchemaNs + "\"", "xmlns:xs=\"urn:example:other-schema\"")]
    [InlineData("xmlns:xsi=\"" + XmlSchemaInstanceNs + "\"", "xmlns:xsi=\"urn:example:other-instance\"")]
    public async Task ValidateDecodedAsync_SignedInfoInclusivePrefixDeclarationOnTheAssertionChanged_IsRejected(string declaration, string replacement)
    {
        // SignedInfo is canonicalized in place: the declarations of its InclusiveNamespaces prefixes that
        // it inherits from the assertion are part of what the signature covers.
        var (_, signed) = await SignWithXmlsec1Async(Variants["InclusiveNamespaces xs xsi on the reference and SignedInfo, indented"]);
        var text = Encoding.UTF8.GetString(signed);
        Assert.Equal(1, text.Split(declaration).Length - 1);
        var tampered = Encoding.UTF8.GetBytes(text.Replace(declaration, replacement, StringComparison.Ordinal));

        var result = await fixture.CreateValidator().ValidateDecodedAsync(tampered);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }

    [Fact]
    public async Task Xmlsec1Verify_AssertionSignedByTestBuilder_Succeeds()
    {
        var builder = fixture.NewAssertion();
        builder.NameId = InteropNameId;
        var signed = Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey));
        using var certificate = fixture.IdpKey.PublicCertificate;

        var result = await Xmlsec1.VerifyAsync(signed, certificate);

        // xmlsec1 first tries the certificate in KeyInfo, cannot build a chain for a self-signed one
        // (it says so on stderr), then verifies with the key it was given.
        Assert.True(result.ExitCode == 0, $"xmlsec1 --verify exited with {result.ExitCode}: {result.StandardError}");
        var lines = result.StandardError.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("OK", lines);
        Assert.Contains("SignedInfo References (ok/all): 1/1", lines);
    }

    [Fact]
    public async Task Xmlsec1Verify_EcdsaAssertionSignedByTestBuilder_Succeeds()
    {
        // The builder signs ECDSA by hand (SignedXml has no ECDSA description): a third implementation checks it.
        var builder = fixture.NewAssertion();
        builder.NameId = InteropNameId;
        builder.SignatureAlgorithm = EcdsaSha256;
        var signed = Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.EcdsaIdpKey));
        using var certificate = fixture.EcdsaIdpKey.PublicCertificate;

        var result = await Xmlsec1.VerifyAsync(signed, certificate);

        Assert.True(result.ExitCode == 0, $"xmlsec1 --verify exited with {result.ExitCode}: {result.StandardError}");
        var lines = result.StandardError.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("OK", lines);
        Assert.Contains("SignedInfo References (ok/all): 1/1", lines);
    }

    [Fact]
    public async Task Xmlsec1Verify_AssertionSignedByTestBuilderThenNameIdChanged_Fails()
    {
        var builder = fixture.NewAssertion();
        builder.NameId = InteropNameId;
        var signed = Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey));
        using var certificate = fixture.IdpKey.PublicCertificate;

        var result = await Xmlsec1.VerifyAsync(ChangeOneCharacterOfNameId(signed), certificate);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("FAIL", result.StandardError, StringComparison.Ordinal);
    }

    private async Task<(Saml2AssertionBuilder Builder, byte[] Signed)> SignWithXmlsec1Async(Variant variant)
    {
        var builder = fixture.NewAssertion();
        builder.Prefix = variant.AssertionPrefix;
        builder.NameId = InteropNameId;
        var document = builder.BuildUnsigned();
        if (variant.TypedAttributeValues)
        {
            AddSchemaTypesToAttributeValues(document);
        }

        new Xmlsec1SignatureTemplate
        {
            Prefix = variant.SignaturePrefix,
            SignatureAlgorithm = variant.SignatureAlgorithm,
            DigestAlgorithm = variant.DigestAlgorithm,
            ReferencePrefixList = variant.ReferencePrefixList,
            SignedInfoPrefixList = variant.SignedInfoPrefixList,
        }.InsertInto(document);

        var template = variant.NewLine is null ? Saml2AssertionBuilder.ToBytes(document) : Indent(document, variant.NewLine);
        var key = variant.Ecdsa ? fixture.EcdsaIdpKey : fixture.IdpKey;
        var signed = await Xmlsec1.SignAsync(template, key.PrivateKey);
        if (variant.CrlfOnTheWire)
        {
            // xmlsec1 (libxml2) normalises line endings when it parses and writes LF. A sender may
            // still put CRLF on the wire; XML parsing normalises it back before canonicalization.
            signed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(signed).ReplaceLineEndings("\r\n"));
            Assert.Contains("\r\n  <", Encoding.UTF8.GetString(signed), StringComparison.Ordinal);
        }

        return (builder, signed);
    }

    private static byte[] Indent(XmlDocument document, string newLine)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = newLine,
            NewLineHandling = NewLineHandling.Replace,
        };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            document.Save(writer);
        }

        var bytes = stream.ToArray();
        Assert.Contains(newLine + "  <", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        return bytes;
    }

    /// <summary>
    /// Declares xs and xsi on the assertion and types every AttributeValue as <c>xs:string</c>, as many
    /// identity providers do: the xs prefix is then used only inside an attribute value, which is what
    /// the InclusiveNamespaces PrefixList exists for.
    /// </summary>
    private static void AddSchemaTypesToAttributeValues(XmlDocument document)
    {
        var assertion = document.DocumentElement!;
        assertion.SetAttribute("xmlns:xs", XmlSchemaNs);
        assertion.SetAttribute("xmlns:xsi", XmlSchemaInstanceNs);
        foreach (var value in document.GetElementsByTagName("AttributeValue", Saml2AssertionBuilder.AssertionNs).Cast<XmlElement>())
        {
            value.SetAttribute("type", XmlSchemaInstanceNs, "xs:string");
        }
    }

    private static byte[] ChangeOneCharacterOfNameId(byte[] signed)
    {
        var text = Encoding.UTF8.GetBytes(">" + InteropNameId + "<");
        var index = signed.AsSpan().IndexOf(text);
        Assert.True(index >= 0, "The NameID text is not in the signed document.");
        Assert.Equal(-1, signed.AsSpan(index + 1).IndexOf(text));

        var tampered = (byte[])signed.Clone();
        var position = index + 1 + "interop.".Length;
        Assert.Equal((byte)'a', tampered[position]);
        tampered[position] = (byte)'b';
        return tampered;
    }

    private sealed record Variant
    {
        public string AssertionPrefix { get; init; } = "saml";

        public string SignaturePrefix { get; init; } = "ds";

        /// <summary>Null: compact, as XmlDocument writes it. Otherwise indented with this line ending.</summary>
        public string? NewLine { get; init; }

        /// <summary>Turn every line ending of xmlsec1's output into CRLF before validating.</summary>
        public bool CrlfOnTheWire { get; init; }

        public bool Ecdsa { get; init; }

        public string SignatureAlgorithm { get; init; } = SignedXml.XmlDsigRSASHA256Url;

        public string DigestAlgorithm { get; init; } = SignedXml.XmlDsigSHA256Url;

        public bool TypedAttributeValues { get; init; }

        public string? ReferencePrefixList { get; init; }

        public string? SignedInfoPrefixList { get; init; }
    }
}
