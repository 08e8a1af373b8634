using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// SAML 1.1 assertions signed by xmlsec1 (<c>--id-attr:AssertionID urn:oasis:names:tc:SAML:1.0:assertion:Assertion</c>)
/// in the namespace and whitespace variants of the SAML 2.0 interop tests, the AD FS-shaped assertion, and
/// the other direction: what our SAML 1.1 test signer produces xmlsec1 verifies.
/// </summary>
public sealed class Xmlsec1Saml11InteropTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string InteropNameId = "interop.alice@example.com";
    private const string XmlSchemaNs = "http://www.w3.org/2001/XMLSchema";
    private const string XmlSchemaInstanceNs = "http://www.w3.org/2001/XMLSchema-instance";
    private const string MicrosoftOnline = "urn:federation:MicrosoftOnline";
    private const string AdfsIssuer = "http://adfs.contoso.example/adfs/services/trust";
    private const string CarriageReturnMarker = "CR-MARKER";

    private static readonly Dictionary<string, Variant> Variants = new(StringComparer.Ordinal)
    {
        ["compact, saml: assertion, ds: signature"] = new(),
        ["compact, saml1: assertion"] = new() { AssertionPrefix = "saml1" },
        ["compact, default-namespace assertion"] = new() { AssertionPrefix = "" },
        ["compact, default-namespace signature"] = new() { SignaturePrefix = "" },
        ["compact, default-namespace assertion and signature"] = new() { AssertionPrefix = "", SignaturePrefix = "" },
        ["indented LF, saml: assertion"] = new() { NewLine = "\n" },
        ["indented LF, saml1: assertion, default-namespace signature"] = new() { NewLine = "\n", AssertionPrefix = "saml1", SignaturePrefix = "" },
        ["indented LF, default-namespace assertion"] = new() { NewLine = "\n", AssertionPrefix = "" },
        ["indented CRLF, saml: assertion"] = new() { NewLine = "\r\n" },
        ["indented CRLF, default-namespace assertion and signature"] = new() { NewLine = "\r\n", AssertionPrefix = "", SignaturePrefix = "" },
        ["indented CRLF, CRLF kept on the wire"] = new() { NewLine = "\r\n", CrlfOnTheWire = true },
        ["rsa-sha512, sha512"] = new() { SignatureAlgorithm = SignedXml.XmlDsigRSASHA512Url, DigestAlgorithm = SignedXml.XmlDsigSHA512Url },
        ["InclusiveNamespaces xs on the reference transform"] = new() { TypedAttributeValues = true, ReferencePrefixList = "xs" },
        ["InclusiveNamespaces xs xsi on the reference and SignedInfo, indented"] =
            new() { TypedAttributeValues = true, ReferencePrefixList = "xs xsi", SignedInfoPrefixList = "xs xsi", NewLine = "\n" },
    };

    public static TheoryData<string> VariantNames => new(Variants.Keys);

    [Theory]
    [MemberData(nameof(VariantNames))]
    public async Task ValidateDecodedAsync_Saml11SignedByXmlsec1_IsAccepted(string variant)
    {
        var (builder, signed) = await SignWithXmlsec1Async(fixture.NewSaml11Assertion(), Variants[variant]);

        var result = await fixture.CreateSaml11Validator().ValidateDecodedAsync(signed);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(Saml2AssertionVersion.Saml11, result.Assertion!.Version);
        Assert.Equal(builder.AssertionId, result.Assertion.Id);
        Assert.Equal(InteropNameId, result.Assertion.NameId.Value);
        Assert.Equal(Variants[variant].SignatureAlgorithm, result.Assertion.SignatureAlgorithm);
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public async Task ValidateDecodedAsync_Saml11SignedByXmlsec1ThenNameIdentifierChanged_FailsWithDigestMismatch(string variant)
    {
        var (_, signed) = await SignWithXmlsec1Async(fixture.NewSaml11Assertion(), Variants[variant]);
        var text = Encoding.UTF8.GetString(signed);
        var first = text.IndexOf(">" + InteropNameId + "<", StringComparison.Ordinal);
        Assert.True(first >= 0);
        var tampered = Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, first + 1), "b", text.AsSpan(first + 2)));

        var result = await fixture.CreateSaml11Validator().ValidateDecodedAsync(tampered);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateDecodedAsync_AdfsShapedAssertionSignedByXmlsec1_IsAccepted()
    {
        // The shape of genuine AD FS SAML 1.1 tokens: AttributeStatement and AuthenticationStatement, each
        // with its Subject and bearer confirmation; audience urn:federation:MicrosoftOnline; a one-hour
        // window; RSA-SHA256; the signature last; a CR LF inside attribute text survives only as &#13;.
        var now = fixture.Now;
        var builder = new Saml11AssertionBuilder(now)
        {
            Issuer = AdfsIssuer,
            NameIdentifier = "alice@contoso.example",
            NameIdentifierFormat = "http://schemas.xmlsoap.org/claims/UPN",
            NotBefore = now,
            NotOnOrAfter = now.AddHours(1),
            AuthenticationMethod = "urn:federation:authentication:windows",
        };
        builder.AudienceRestrictions.Clear();
        builder.AudienceRestrictions.Add([MicrosoftOnline]);
        builder.Attributes.Clear();
        builder.Attributes.Add(new("http://schemas.xmlsoap.org/claims/UPN", ["alice@contoso.example"]));
        builder.Attributes.Add(new("http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID", ["dGVzdC1pbW11dGFibGUtaWQ="]));
        builder.Attributes.Add(new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/streetaddress", ["1 Main St" + CarriageReturnMarker + "\nSpringfield"]));
        var (_, signed) = await SignWithXmlsec1Async(builder, new Variant { NewLine = null, InteropNameIdentifier = false });
        var text = Encoding.UTF8.GetString(signed);
        Assert.Contains("1 Main St&#13;\nSpringfield", text, StringComparison.Ordinal);
        var lastChild = LastChildElement(text);

        var validator = fixture.CreateSaml11Validator(parameters =>
        {
            parameters.AddIdentityProvider(AdfsIssuer, fixture.IdpKey.PublicCertificate);
            parameters.ValidAudiences.Add(MicrosoftOnline);
        });
        var result = await validator.ValidateDecodedAsync(signed);

        Assert.Equal("Signature", lastChild.LocalName);
        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        var assertion = result.Assertion!;
        Assert.Equal(AdfsIssuer, assertion.Issuer);
        Assert.Equal("alice@contoso.example", assertion.NameId.Value);
        Assert.Equal("http://schemas.xmlsoap.org/claims/UPN", assertion.NameId.Format);
        Assert.Equal(now.AddHours(1), assertion.ValidTo);
        Assert.Equal(SignedXml.XmlDsigRSASHA256Url, assertion.SignatureAlgorithm);
        Assert.Equal(2, assertion.SubjectConfirmations.Count);
        Assert.Equal("1 Main St\r\nSpringfield", assertion.Attributes.Single(a => a.Name == "streetaddress").Values.Single());
        Assert.Equal("urn:federation:authentication:windows", Assert.Single(assertion.AuthenticationStatements).AuthenticationContextClassReference);
    }

    [Fact]
    public async Task ValidateDecodedAsync_AdfsShapedCarriageReturnRemovedAfterSigning_FailsWithDigestMismatch()
    {
        // &#13; is signed content: dropping it (as a CR LF to LF normalisation would) breaks the digest.
        var builder = fixture.NewSaml11Assertion();
        builder.Attributes.Clear();
        builder.Attributes.Add(new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/streetaddress", ["1 Main St" + CarriageReturnMarker + "\nSpringfield"]));
        var (_, signed) = await SignWithXmlsec1Async(builder, new Variant());
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(signed).Replace("&#13;", string.Empty, StringComparison.Ordinal));

        var result = await fixture.CreateSaml11Validator().ValidateDecodedAsync(tampered);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task Xmlsec1Verify_Saml11SignedByTestBuilder_Succeeds()
    {
        var builder = fixture.NewSaml11Assertion();
        var signed = builder.BuildBytes(fixture.IdpKey);
        using var certificate = fixture.IdpKey.PublicCertificate;

        var result = await Xmlsec1.VerifyAsync(signed, certificate);

        Assert.True(result.ExitCode == 0, $"xmlsec1 --verify exited with {result.ExitCode}: {result.StandardError}");
        var lines = result.StandardError.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("OK", lines);
        Assert.Contains("SignedInfo References (ok/all): 1/1", lines);
    }

    [Fact]
    public async Task Xmlsec1Verify_Saml11SignedByTestBuilderThenTampered_Fails()
    {
        var builder = fixture.NewSaml11Assertion();
        builder.NameIdentifier = InteropNameId;
        var text = Encoding.UTF8.GetString(builder.BuildBytes(fixture.IdpKey)).Replace(InteropNameId, "interop.bob@example.com", StringComparison.Ordinal);
        using var certificate = fixture.IdpKey.PublicCertificate;

        var result = await Xmlsec1.VerifyAsync(Encoding.UTF8.GetBytes(text), certificate);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("FAIL", result.StandardError, StringComparison.Ordinal);
    }

    private async Task<(Saml11AssertionBuilder Builder, byte[] Signed)> SignWithXmlsec1Async(Saml11AssertionBuilder builder, Variant variant)
    {
        builder.Prefix = variant.AssertionPrefix;
        if (variant.InteropNameIdentifier)
        {
            builder.NameIdentifier = InteropNameId;
        }

        var document = builder.BuildUnsigned();
        if (variant.TypedAttributeValues)
        {
            var assertion = document.DocumentElement!;
            assertion.SetAttribute("xmlns:xs", XmlSchemaNs);
            assertion.SetAttribute("xmlns:xsi", XmlSchemaInstanceNs);
            foreach (var value in document.GetElementsByTagName("AttributeValue", Saml11AssertionBuilder.AssertionNs).Cast<XmlElement>())
            {
                value.SetAttribute("type", XmlSchemaInstanceNs, "xs:string");
            }
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

        // A raw CR would be normalised away by the parser; AD FS writes it as a character reference.
        template = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(template).Replace(CarriageReturnMarker, "&#13;", StringComparison.Ordinal));
        var signed = await Xmlsec1.SignAsync(template, fixture.IdpKey.PrivateKey);

        // libxml2 writes the CR back as &#xD;, AD FS as &#13;: the same character, so the signature holds.
        signed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(signed).Replace("&#xD;", "&#13;", StringComparison.Ordinal));
        if (variant.CrlfOnTheWire)
        {
            signed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(signed).ReplaceLineEndings("\r\n"));
            Assert.Contains("\r\n  <", Encoding.UTF8.GetString(signed), StringComparison.Ordinal);
        }

        return (builder, signed);
    }

    private static XmlElement LastChildElement(string xml)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.LoadXml(xml);
        return document.DocumentElement!.ChildNodes.OfType<XmlElement>().Last();
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

        return stream.ToArray();
    }

    private sealed record Variant
    {
        public string AssertionPrefix { get; init; } = "saml";

        public string SignaturePrefix { get; init; } = "ds";

        public string? NewLine { get; init; }

        public bool CrlfOnTheWire { get; init; }

        public string SignatureAlgorithm { get; init; } = SignedXml.XmlDsigRSASHA256Url;

        public string DigestAlgorithm { get; init; } = SignedXml.XmlDsigSHA256Url;

        public bool TypedAttributeValues { get; init; }

        public string? ReferencePrefixList { get; init; }

        public string? SignedInfoPrefixList { get; init; }

        /// <summary>Whether the builder's NameIdentifier is replaced with <see cref="InteropNameId"/>.</summary>
        public bool InteropNameIdentifier { get; init; } = true;
    }
}
