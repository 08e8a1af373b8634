using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// Canonical XML 1.0 section 2.2 orders attributes (namespace URI, then local name) and namespace
/// declarations by code point, which is UTF-8 byte order; UTF-16 code unit order, which
/// <see cref="string.CompareOrdinal(string, string)"/> and <see cref="XmlDsigExcC14NTransform"/> use,
/// differs when a supplementary character (U+10400, a surrogate pair) meets one of U+E000-U+FFFF (U+FF21).
/// Santuario's xml-security-c (<c>samlsign</c>) signs such an assertion in code point order, and we accept it.
/// </summary>
public sealed class Saml2CanonicalizationOrderTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    /// <summary>U+FF21 FULLWIDTH LATIN CAPITAL LETTER A: one UTF-16 code unit, above the surrogates.</summary>
    private const string FullwidthNamespace = "urn:example:\uFF21";

    /// <summary>U+10400 DESERET CAPITAL LETTER LONG I: a surrogate pair, D801 DC00, below U+FF21 in UTF-16.</summary>
    private const string DeseretNamespace = "urn:example:\U00010400";

    [Fact]
    public void CompareCodePoints_SupplementaryAgainstPrivateUseAndHalfwidth_OrdersAsUtf8Bytes()
    {
        Assert.True(string.CompareOrdinal(DeseretNamespace, FullwidthNamespace) < 0, "UTF-16 puts the surrogate pair first");
        Assert.True(Saml2ExclusiveCanonicalizer.CompareCodePoints(FullwidthNamespace, DeseretNamespace) < 0);
        Assert.True(Saml2ExclusiveCanonicalizer.CompareCodePoints(DeseretNamespace, FullwidthNamespace) > 0);
    }

    [Fact]
    public void CompareCodePoints_RandomStrings_AgreesWithUtf8ByteOrder()
    {
        // Characters from every band that matters: ASCII, below the surrogates, U+E000-U+FFFF, supplementary.
        string[] alphabet = ["a", "z", "\u00e9", "\u4e2d", "\uD7FF", "\uE000", "\uFF21", "\uFFFD", "\U00010000", "\U00010400", "\U0001F600", "\U0010FFFF"];
        var random = new Random(2_2026);
        for (var i = 0; i < 20_000; i++)
        {
            var a = RandomText(random, alphabet);
            var b = RandomText(random, alphabet);
            var expected = Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));

            Assert.True(expected == Math.Sign(Saml2ExclusiveCanonicalizer.CompareCodePoints(a, b)), $"'{a}' vs '{b}'");
        }
    }

    [Fact]
    public void ToBytes_AttributesWhoseNamespacesDifferAtFf21And10400_SortsByCodePointUnlikeTheFrameworkTransform()
    {
        var document = Load($"<a xmlns:q='{DeseretNamespace}' xmlns:p='{FullwidthNamespace}' q:x='deseret' p:x='fullwidth'/>");

        var canonical = Encoding.UTF8.GetString(Saml2ExclusiveCanonicalizer.ToBytes(document.DocumentElement!, includeComments: false, [])!);
        var framework = Encoding.UTF8.GetString(FrameworkCanonicalForm(document));

        Assert.Equal($"<a xmlns:p=\"{FullwidthNamespace}\" xmlns:q=\"{DeseretNamespace}\" p:x=\"fullwidth\" q:x=\"deseret\"></a>", canonical);
        // The framework transform orders the attributes by UTF-16 code unit: the differential tests
        // against it therefore never compare such inputs (their mutants add no supplementary characters).
        Assert.Equal($"<a xmlns:p=\"{FullwidthNamespace}\" xmlns:q=\"{DeseretNamespace}\" q:x=\"deseret\" p:x=\"fullwidth\"></a>", framework);
    }

    [Fact]
    public async Task ValidateDecodedAsync_SignedBySantuarioWithAttributesOrderedAtFf21And10400_IsAccepted()
    {
        var signed = await SignWithSamlsignAsync();

        var result = await fixture.CreateValidator().ValidateDecodedAsync(signed);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task SantuarioDigest_AttributesOrderedAtFf21And10400_IsTheCodePointOrderedForm()
    {
        // Pins what samlsign (Santuario's xml-security-c) does: its DigestValue is the hash of the code
        // point ordered form, not of the UTF-16 ordered form the framework transform writes.
        var signed = await SignWithSamlsignAsync();
        var document = Load(Encoding.UTF8.GetString(signed));
        var digestValue = Convert.FromBase64String(document.GetElementsByTagName("DigestValue", Saml2AssertionBuilder.DsigNs)[0]!.InnerText);
        var signature = document.GetElementsByTagName("Signature", Saml2AssertionBuilder.DsigNs)[0]!;
        signature.ParentNode!.RemoveChild(signature);

        var codePointOrdered = SHA256.HashData(Saml2ExclusiveCanonicalizer.ToBytes(document.DocumentElement!, includeComments: false, [])!);
        var utf16Ordered = SHA256.HashData(FrameworkCanonicalForm(document));

        Assert.Equal(digestValue, codePointOrdered);
        Assert.NotEqual(digestValue, utf16Ordered);
    }

    [Fact]
    public async Task ValidateDecodedAsync_SignedByFrameworkSignedXmlWithAttributesOrderedAtFf21And10400_ReturnsDigestMismatch()
    {
        // The other side of the same fact: SignedXml (and so the Testing package's builder) digests the
        // UTF-16 ordered form, which is not Canonical XML; such a signature is refused (README, Known limitations).
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = AddOrderSensitiveAttributes;

        var result = await fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task Xmlsec1Sign_NonAsciiNamespaceUri_IsRefusedByLibxml2()
    {
        // Why this order is pinned with samlsign rather than xmlsec1: libxml2 refuses the document
        // ("is not a valid URI"), so xmlsec1 cannot sign one. Names cannot carry the difference either:
        // System.Xml refuses supplementary characters in names (Saml2DocumentEncodingTests).
        var document = fixture.NewAssertion().BuildUnsigned();
        AddOrderSensitiveAttributes(document);
        new Xmlsec1SignatureTemplate().InsertInto(document);

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => Xmlsec1.SignAsync(Saml2AssertionBuilder.ToBytes(document), fixture.IdpKey.PrivateKey));

        Assert.Contains("is not a valid URI", exception.Message, StringComparison.Ordinal);
    }

    private async Task<byte[]> SignWithSamlsignAsync()
    {
        var document = fixture.NewAssertion().BuildUnsigned();
        AddOrderSensitiveAttributes(document);
        using var certificate = fixture.IdpKey.PublicCertificate;
        return await Samlsign.SignAsync(Saml2AssertionBuilder.ToBytes(document), (RSA)fixture.IdpKey.PrivateKey, certificate);
    }

    /// <summary>Two attributes on the first saml:Attribute (anyAttribute namespace="##other") whose namespaces differ at U+FF21 / U+10400.</summary>
    private static void AddOrderSensitiveAttributes(XmlDocument document)
    {
        var attribute = (XmlElement)document.GetElementsByTagName("Attribute", Saml2AssertionBuilder.AssertionNs)[0]!;
        attribute.SetAttribute("xmlns:q", DeseretNamespace);
        attribute.SetAttribute("xmlns:p", FullwidthNamespace);
        attribute.SetAttributeNode(Attribute(document, "q", DeseretNamespace, "deseret"));
        attribute.SetAttributeNode(Attribute(document, "p", FullwidthNamespace, "fullwidth"));
    }

    private static XmlAttribute Attribute(XmlDocument document, string prefix, string namespaceUri, string value)
    {
        var attribute = document.CreateAttribute(prefix, "x", namespaceUri);
        attribute.Value = value;
        return attribute;
    }

    private static byte[] FrameworkCanonicalForm(XmlDocument document)
    {
        var transform = new XmlDsigExcC14NTransform();
        transform.LoadInput(document);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        using var buffer = new MemoryStream();
        output.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static XmlDocument Load(string xml)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        document.Load(reader);
        return document;
    }

    private static string RandomText(Random random, string[] alphabet)
    {
        var builder = new StringBuilder();
        for (var length = random.Next(4); length > 0; length--)
        {
            builder.Append(alphabet[random.Next(alphabet.Length)]);
        }

        return builder.ToString();
    }
}
