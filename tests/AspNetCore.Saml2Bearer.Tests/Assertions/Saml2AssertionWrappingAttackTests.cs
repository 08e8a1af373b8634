using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// SECURITY-CASES.md, "Structure and signature wrapping" (rows 1-25). Each variant starts from a valid
/// assertion V signed with the trusted IdP key and goes through the real decode + validate path.
/// </summary>
public sealed class Saml2AssertionWrappingAttackTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private XmlDocument SignedV() => fixture.NewAssertion().BuildSigned(fixture.IdpKey);

    private async Task<Saml2AssertionValidationResult> ValidateAsync(XmlDocument document, Action<Saml2AssertionValidationParameters>? configure = null) =>
        await fixture.CreateValidator(configure).ValidateAsync(Saml2AssertionBuilder.Encode(document));

    private static void AllowResponse(Saml2AssertionValidationParameters parameters) => parameters.AllowResponseWrapper = true;

    [Fact]
    public async Task ValidateAsync_UntouchedV_IsAccepted()
    {
        // Control: the starting point of every variant below is valid.
        var result = await ValidateAsync(SignedV());

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task ResignSignedInfo_UnchangedSignedInfo_IsAccepted()
    {
        // Control for the variants that re-sign an edited SignedInfo with the trusted key: the helper
        // produces a signature the validator accepts, so those variants fail only on the rule under test.
        var document = SignedV();
        MaliciousAssertions.Dsig(document, "SignatureValue").InnerText = "AAAA";
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignatureRemoved_ReturnsSignatureMissing()
    {
        // Row 1: Unsigned.
        var document = SignedV();
        var signature = MaliciousAssertions.Signature(document);
        signature.ParentNode!.RemoveChild(signature);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NameIdEditedAfterSigning_ReturnsDigestMismatch()
    {
        // Row 2: TamperNameID.
        var document = SignedV();
        MaliciousAssertions.Saml(document, "NameID").InnerText = MaliciousAssertions.EvilNameId;

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignatureValueByteFlipped_ReturnsSignatureInvalid()
    {
        // Row 3: TamperSignatureValue.
        var document = SignedV();
        var signatureValue = MaliciousAssertions.Dsig(document, "SignatureValue");
        var bytes = Convert.FromBase64String(signatureValue.InnerText);
        bytes[bytes.Length / 2] ^= 0x01;
        signatureValue.InnerText = Convert.ToBase64String(bytes);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_DigestValueChanged_ReturnsSignatureInvalid()
    {
        // Row 4: TamperDigest. DigestValue is inside SignedInfo, so the signature breaks first.
        var document = SignedV();
        var digestValue = MaliciousAssertions.Dsig(document, "DigestValue");
        var bytes = Convert.FromBase64String(digestValue.InnerText);
        bytes[0] ^= 0x01;
        digestValue.InnerText = Convert.ToBase64String(bytes);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_DigestValueMatchingTamperedContentInResignedSignedInfo_ReturnsDigestMismatch()
    {
        // Row 4, second form: the SignedInfo stays validly signed, but its DigestValue is not the digest
        // of the assertion.
        var document = SignedV();
        var digestValue = MaliciousAssertions.Dsig(document, "DigestValue");
        var bytes = Convert.FromBase64String(digestValue.InnerText);
        bytes[0] ^= 0x01;
        digestValue.InnerText = Convert.ToBase64String(bytes);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_ModifiedAndResignedWithAttackerKeyAndCertificate_ReturnsSigningKeyNotTrusted()
    {
        // Row 5: AttackerResign. The attacker's certificate even copies the IdP's subject name.
        var builder = fixture.NewAssertion();
        builder.NameId = MaliciousAssertions.EvilNameId;

        var result = await ValidateAsync(builder.BuildSigned(fixture.AttackerKey));

        Assert.Equal(Saml2AssertionFailureReason.SigningKeyNotTrusted, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_ResignedWithAttackerKeyButTrustedCertificateInKeyInfo_ReturnsSignatureInvalid()
    {
        // Row 5, KeyInfo spoofing: the message names the trusted certificate, which is never used as a key source.
        var builder = fixture.NewAssertion();
        builder.NameId = MaliciousAssertions.EvilNameId;
        var document = builder.BuildSigned(fixture.AttackerKey);
        MaliciousAssertions.Dsig(document, "X509Certificate").InnerText = Convert.ToBase64String(fixture.IdpKey.Certificate.RawData);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Xsw3WrapperRootWithEvilCopyFirst_ReturnsDocumentElementNotAssertion()
    {
        // Row 6: XSW3 in a wrapper of the attacker's own.
        var document = MaliciousAssertions.Xsw3(SignedV(), MaliciousAssertions.AttackerNs, "Wrapper");

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DocumentElementNotAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Xsw3ResponseWithEvilCopyFirst_WrapperAllowed_ReturnsMultipleAssertions()
    {
        // Row 6: XSW3 as SAML Raider builds it, in a samlp:Response, with the Response wrapper enabled.
        var document = MaliciousAssertions.Xsw3(SignedV(), Saml2AssertionBuilder.ProtocolNs, "Response");

        var result = await ValidateAsync(document, AllowResponse);

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Xsw4EvilRootWrappingSignedOriginal_ReturnsMultipleAssertions()
    {
        // Row 7: XSW4. Catalogue: "reference is not the root"; the validator stops it one step earlier,
        // because a second Assertion anywhere in the document is refused.
        var result = await ValidateAsync(MaliciousAssertions.Xsw4(SignedV()));

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Xsw5EvilRootKeepsSignatureWithCleanCopyInside_ReturnsMultipleAssertions()
    {
        // Row 8: XSW5.
        var result = await ValidateAsync(MaliciousAssertions.Xsw5(SignedV()));

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Xsw5WithoutCleanCopy_ReturnsReferenceNotAssertion()
    {
        // Row 8: the reference no longer names the root once the root's ID is changed.
        var document = SignedV();
        document.DocumentElement!.SetAttribute("ID", "_evil");
        MaliciousAssertions.Saml(document, "NameID").InnerText = MaliciousAssertions.EvilNameId;

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceNotAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Xsw6CleanCopyInsideEvilAssertionsSignature_ReturnsMultipleAssertions()
    {
        // Row 9: XSW6.
        var result = await ValidateAsync(MaliciousAssertions.Xsw6(SignedV()));

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Xsw7SameIdCopyInsideExtensions_ReturnsDuplicateId()
    {
        // Row 10: XSW7.
        var result = await ValidateAsync(MaliciousAssertions.Xsw7(SignedV()));

        Assert.Equal(Saml2AssertionFailureReason.DuplicateId, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Xsw8CleanCopyInSignatureObject_ReturnsDuplicateId()
    {
        // Row 11: XSW8.
        var result = await ValidateAsync(MaliciousAssertions.Xsw8(SignedV()));

        Assert.Equal(Saml2AssertionFailureReason.DuplicateId, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignedAssertionInSignedResponse_WrapperAllowed_IsAccepted()
    {
        // Control for row 12: the genuine Response is accepted once the wrapper is enabled.
        var response = MaliciousAssertions.SignedResponse(SignedV(), fixture.IdpKey);

        var result = await ValidateAsync(response, AllowResponse);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Theory]
    [InlineData(false)] // XSW1: copied Response inside the signature
    [InlineData(true)] // XSW2: copied Response before the signature
    public async Task ValidateAsync_ResponseWrapping_ReturnsResponseWrapperNotAllowed(bool detached)
    {
        // Row 12: XSW1 / XSW2, Response wrapper off (the default).
        var signedResponse = MaliciousAssertions.SignedResponse(SignedV(), fixture.IdpKey);

        var result = await ValidateAsync(MaliciousAssertions.ResponseWrapping(signedResponse, detached));

        Assert.Equal(Saml2AssertionFailureReason.ResponseWrapperNotAllowed, result.FailureReason);
    }

    [Theory]
    [InlineData(false)] // XSW1
    [InlineData(true)] // XSW2
    public async Task ValidateAsync_ResponseWrapping_WrapperAllowed_ReturnsMultipleAssertions(bool detached)
    {
        // Row 12: XSW1 / XSW2 with the Response wrapper enabled.
        var signedResponse = MaliciousAssertions.SignedResponse(SignedV(), fixture.IdpKey);

        var result = await ValidateAsync(MaliciousAssertions.ResponseWrapping(signedResponse, detached), AllowResponse);

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignedResponseAroundUnsignedAssertion_WrapperAllowed_ReturnsSignatureMissing()
    {
        // Rows 1 and 12: a Response signature does not stand in for the assertion's own.
        var builder = fixture.NewAssertion();
        var response = MaliciousAssertions.SignedResponse(builder.BuildUnsigned(), fixture.IdpKey);

        var result = await ValidateAsync(response, AllowResponse);

        Assert.Equal(Saml2AssertionFailureReason.SignatureMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignedAssertionInsideResponseExtensions_WrapperAllowed_ReturnsDocumentElementNotAssertion()
    {
        // Rows 10 and 12: XSW7 in Response form, the only assertion hidden below an Extensions element.
        var document = MaliciousAssertions.SignedResponse(SignedV(), fixture.IdpKey);
        var response = document.DocumentElement!;
        var assertion = MaliciousAssertions.Saml(document, "Assertion");
        var extensions = document.CreateElement("samlp", "Extensions", Saml2AssertionBuilder.ProtocolNs);
        response.ReplaceChild(extensions, assertion);
        extensions.AppendChild(assertion);

        var result = await ValidateAsync(document, AllowResponse);

        Assert.Equal(Saml2AssertionFailureReason.DocumentElementNotAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignatureMovedOntoInjectedElement_ReturnsSignatureNotChildOfAssertion()
    {
        // Row 13: MovedSignature.
        var document = SignedV();
        var signature = MaliciousAssertions.Signature(document);
        var holder = document.CreateElement("atk", "Holder", MaliciousAssertions.AttackerNs);
        document.DocumentElement!.ReplaceChild(holder, signature);
        holder.AppendChild(signature);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureNotChildOfAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignatureNestedInSubject_ReturnsSignatureNotChildOfAssertion()
    {
        // Row 14: NestedSignature.
        var document = SignedV();
        var signature = MaliciousAssertions.Signature(document);
        signature.ParentNode!.RemoveChild(signature);
        MaliciousAssertions.Saml(document, "Subject").AppendChild(signature);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureNotChildOfAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SecondSignatureBesideTheFirst_ReturnsMultipleSignatures()
    {
        // Row 15: TwoSignatures, a copy of the genuine one.
        var document = SignedV();
        var signature = MaliciousAssertions.Signature(document);
        signature.ParentNode!.InsertAfter(signature.CloneNode(deep: true), signature);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.MultipleSignatures, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_AttackerSignatureHiddenInAttributeValue_ReturnsMultipleSignatures()
    {
        // Row 15: TwoSignatures, the second one from the attacker and nested deep in the content.
        var document = SignedV();
        var attacker = fixture.NewAssertion().BuildSigned(fixture.AttackerKey);
        MaliciousAssertions.Saml(document, "AttributeValue").AppendChild(document.ImportNode(MaliciousAssertions.Signature(attacker), deep: true));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.MultipleSignatures, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SecondRootElementAfterV_ReturnsMalformedXml()
    {
        // Row 16: MultipleRoots (CVE-2022-39299).
        var v = SignedV();
        var evil = MaliciousAssertions.EvilCopy(v.DocumentElement!);
        var xml = v.OuterXml + evil.OuterXml;

        var result = await fixture.CreateValidator().ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
    }

    [Theory]
    [InlineData("ID")] // Row 17: DuplicateId
    [InlineData("Id")] // Row 18: DuplicateIdOtherCase
    [InlineData("id")] // Row 18: DuplicateIdOtherCase
    public async Task ValidateAsync_ExtraElementWithAssertionsIdInAnySpelling_ReturnsDuplicateId(string spelling)
    {
        var document = SignedV();
        var extra = document.CreateElement("atk", "Extra", MaliciousAssertions.AttackerNs);
        extra.SetAttribute(spelling, document.DocumentElement!.GetAttribute("ID"));
        MaliciousAssertions.Saml(document, "AttributeValue").AppendChild(extra);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DuplicateId, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignedEmptyReferenceUri_ReturnsReferenceNotAssertion()
    {
        // Row 19: EmptyReferenceUri, signed by the trusted key with SignedXml (URI="" = whole document).
        var builder = fixture.NewAssertion();
        var document = builder.BuildUnsigned();
        Saml2AssertionBuilder.Sign(document, fixture.IdpKey, configureReference: reference =>
        {
            reference.Uri = string.Empty;
            reference.AddTransform(new System.Security.Cryptography.Xml.XmlDsigEnvelopedSignatureTransform());
            reference.AddTransform(new System.Security.Cryptography.Xml.XmlDsigExcC14NTransform());
        });

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceNotAssertion, result.FailureReason);
    }

    [Theory]
    [InlineData("http://attacker.example/assertion.xml")]
    [InlineData("#xpointer(/)")]
    [InlineData("#xpointer(id('{0}'))")]
    [InlineData("")]
    public async Task ValidateAsync_ReferenceUriOtherThanHashId_ResignedByTrustedKey_ReturnsReferenceNotAssertion(string uriFormat)
    {
        // Row 20: ExternalReferenceUri (and the XPointer forms of the same document).
        var document = SignedV();
        var uri = string.Format(System.Globalization.CultureInfo.InvariantCulture, uriFormat, document.DocumentElement!.GetAttribute("ID"));
        MaliciousAssertions.Dsig(document, "Reference").SetAttribute("URI", uri);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceNotAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_ReferenceWithoutUri_ReturnsReferenceNotAssertion()
    {
        // Row 19/20: no URI at all (an application-defined target).
        var document = SignedV();
        MaliciousAssertions.Dsig(document, "Reference").RemoveAttribute("URI");
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceNotAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NoReference_ReturnsReferenceCountInvalid()
    {
        // Row 21: NoReference.
        var document = SignedV();
        var reference = MaliciousAssertions.Dsig(document, "Reference");
        reference.ParentNode!.RemoveChild(reference);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceCountInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_TwoReferences_ReturnsReferenceCountInvalid()
    {
        // Row 21: TwoReferences, the second one pointing at an attacker-chosen element.
        var document = SignedV();
        var reference = MaliciousAssertions.Dsig(document, "Reference");
        var second = (XmlElement)reference.CloneNode(deep: true);
        second.SetAttribute("URI", "#_evil");
        reference.ParentNode!.AppendChild(second);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceCountInvalid, result.FailureReason);
    }

    [Theory]
    [InlineData(true)] // the attacker's SignedInfo first (xmlseclibs CVE-2019-3465 style)
    [InlineData(false)] // the attacker's SignedInfo after the genuine one (xml-crypto CVE-2025-29774 style)
    public async Task ValidateAsync_TwoSignedInfo_ReturnsMalformedSignature(bool evilFirst)
    {
        // Row 22: TwoSignedInfo (XSW9).
        var document = SignedV();
        var signedInfo = MaliciousAssertions.Dsig(document, "SignedInfo");
        var evil = (XmlElement)signedInfo.CloneNode(deep: true);
        MaliciousAssertions.Dsig(evil, "DigestValue").InnerText = Convert.ToBase64String(new byte[32]);
        if (evilFirst)
        {
            signedInfo.ParentNode!.InsertBefore(evil, signedInfo);
        }
        else
        {
            signedInfo.ParentNode!.InsertAfter(evil, signedInfo);
        }

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.MalformedSignature, result.FailureReason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ValidateAsync_TwoDigestValues_ResignedByTrustedKey_ReturnsMalformedSignature(bool evilFirst)
    {
        // Row 23: TwoDigestValues.
        var document = SignedV();
        var digestValue = MaliciousAssertions.Dsig(document, "DigestValue");
        var evil = (XmlElement)digestValue.CloneNode(deep: true);
        evil.InnerText = Convert.ToBase64String(new byte[32]);
        if (evilFirst)
        {
            digestValue.ParentNode!.InsertBefore(evil, digestValue);
        }
        else
        {
            digestValue.ParentNode!.InsertAfter(evil, digestValue);
        }

        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.MalformedSignature, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_AssertionNamespaceAlteredToSaml11_ReturnsSaml11NotAllowed()
    {
        // Row 24 with the SAML 1.0 namespace: a SAML 1.1 assertion, refused on its own while AllowSaml11 is off.
        var xml = SignedV().OuterXml.Replace(
            $"xmlns:saml=\"{Saml2AssertionBuilder.AssertionNs}\"", "xmlns:saml=\"urn:oasis:names:tc:SAML:1.0:assertion\"", StringComparison.Ordinal);

        var result = await fixture.CreateValidator().ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.Saml11NotAllowed, result.FailureReason);
    }

    [Theory]
    [InlineData("urn:oasis:names:tc:SAML:2.0:assertion ")]
    [InlineData("urn:example:attacker")]
    public async Task ValidateAsync_AssertionNamespaceAltered_ReturnsDocumentElementNotAssertion(string ns)
    {
        // Row 24: WrongNamespace on the assertion.
        var xml = SignedV().OuterXml.Replace(
            $"xmlns:saml=\"{Saml2AssertionBuilder.AssertionNs}\"", $"xmlns:saml=\"{ns}\"", StringComparison.Ordinal);

        var result = await fixture.CreateValidator().ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.DocumentElementNotAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignatureNamespaceAltered_ReturnsSignatureMissing()
    {
        // Row 24: WrongNamespace on ds:Signature: it is no signature at all.
        var xml = SignedV().OuterXml.Replace(
            $"xmlns=\"{Saml2AssertionBuilder.DsigNs}\"", "xmlns=\"http://www.w3.org/2000/09/xmldsig-more#\"", StringComparison.Ordinal);

        var result = await fixture.CreateValidator().ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.SignatureMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignedInfoNamespaceAltered_ReturnsMalformedSignature()
    {
        // Row 24: WrongNamespace on ds:SignedInfo only.
        var document = SignedV();
        var signedInfo = MaliciousAssertions.Dsig(document, "SignedInfo");
        var renamed = document.CreateElement("SignedInfo", "http://www.w3.org/2000/09/xmldsig-more#");
        while (signedInfo.FirstChild is { } child)
        {
            renamed.AppendChild(child);
        }

        signedInfo.ParentNode!.ReplaceChild(renamed, signedInfo);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.MalformedSignature, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_BodyReindentedAfterSigning_ReturnsDigestMismatch()
    {
        // Row 25: PrettyPrinted, the signature element itself left as signed.
        var document = MaliciousAssertions.PrettyPrint(SignedV(), keepSignatureIntact: true);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_WholeDocumentReindentedAfterSigning_ReturnsSignatureInvalid()
    {
        // Row 25: PrettyPrinted including SignedInfo: the signed SignedInfo changed, so the signature
        // value check (which runs before the digest) fails first.
        var document = MaliciousAssertions.PrettyPrint(SignedV(), keepSignatureIntact: false);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }
}
