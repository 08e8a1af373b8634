using System.Security.Cryptography.Xml;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// SECURITY-CASES.md rows 54-68, and rows 1-5, 6-11, 13-15, 17-31 and 37-44 rebuilt on V1: a valid SAML 1.1
/// assertion signed by the trusted IdP key, AD FS-shaped (AttributeStatement and AuthenticationStatement,
/// each with its Subject and bearer confirmation, the signature last). Each variant asserts its reason code.
/// </summary>
public sealed class Saml11AssertionAttackTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string Saml1Ns = Saml11AssertionBuilder.AssertionNs;

    private DateTimeOffset Now => fixture.Now;

    private static readonly TimeSpan Skew = Saml2AssertionValidationParameters.DefaultClockSkew;

    private XmlDocument SignedV1() => fixture.NewSaml11Assertion().BuildSigned(fixture.IdpKey);

    private async Task<Saml2AssertionValidationResult> ValidateAsync(XmlDocument document) =>
        await fixture.CreateSaml11Validator().ValidateAsync(Saml2AssertionBuilder.Encode(document));

    private async Task<Saml2AssertionValidationResult> ValidateAsync(Saml11AssertionBuilder builder, TestSigningKey? key = null) =>
        await fixture.CreateSaml11Validator().ValidateAsync(builder.BuildEncoded(key ?? fixture.IdpKey));

    private static XmlElement Saml1(XmlNode scope, string localName) =>
        (XmlElement)((scope as XmlDocument)?.GetElementsByTagName(localName, Saml1Ns) ?? ((XmlElement)scope).GetElementsByTagName(localName, Saml1Ns))[0]!;

    private static List<XmlElement> AllSaml1(XmlNode scope, string localName) =>
        ((scope as XmlDocument)?.GetElementsByTagName(localName, Saml1Ns) ?? ((XmlElement)scope).GetElementsByTagName(localName, Saml1Ns)).Cast<XmlElement>().ToList();

    /// <summary>An unsigned copy with the attacker's NameIdentifier in every statement, and a new AssertionID unless null.</summary>
    private static XmlElement EvilCopy(XmlElement assertion, string? newId = "_evil")
    {
        var copy = (XmlElement)assertion.CloneNode(deep: true);
        foreach (var signature in copy.GetElementsByTagName("Signature", Saml2AssertionBuilder.DsigNs).Cast<XmlElement>().ToList())
        {
            signature.ParentNode!.RemoveChild(signature);
        }

        if (newId is not null)
        {
            copy.SetAttribute("AssertionID", newId);
        }

        foreach (var nameIdentifier in AllSaml1(copy, "NameIdentifier"))
        {
            nameIdentifier.InnerText = MaliciousAssertions.EvilNameId;
        }

        return copy;
    }

    private static XmlElement CleanCopy(XmlElement assertion)
    {
        var copy = (XmlElement)assertion.CloneNode(deep: true);
        var signature = MaliciousAssertions.Dsig(copy, "Signature");
        signature.ParentNode!.RemoveChild(signature);
        return copy;
    }

    [Fact]
    public async Task ValidateAsync_ValidSaml11Assertion_ReturnsValuesFromBothStatements()
    {
        var builder = fixture.NewSaml11Assertion();
        builder.NameQualifier = "https://idp.example.com";

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        var assertion = result.Assertion!;
        Assert.Equal(Saml2AssertionVersion.Saml11, assertion.Version);
        Assert.Equal(builder.AssertionId, assertion.Id);
        Assert.Equal(Saml2AssertionBuilder.DefaultIssuer, assertion.Issuer);
        Assert.Equal(Now, assertion.IssueInstant);
        Assert.Equal(new Saml2NameIdentifier("alice@example.com", Saml2AssertionBuilder.EmailFormat, "https://idp.example.com", null, null), assertion.NameId);
        Assert.Equal(Saml11AssertionBuilder.BearerMethod, assertion.BearerConfirmation.Method);
        Assert.Null(assertion.BearerConfirmation.Recipient);
        Assert.Equal(Now.AddMinutes(5), assertion.ValidTo);
        Assert.Equal([Saml2AssertionBuilder.DefaultAudience], Assert.Single(assertion.Conditions.AudienceRestrictions));
        Assert.Equal(Saml11AssertionBuilder.PasswordMethod, Assert.Single(assertion.AuthenticationStatements).AuthenticationContextClassReference);
        Assert.Equal(2, assertion.Attributes.Count);
        Assert.Equal("emailaddress", assertion.Attributes[0].Name);
        Assert.Equal("http://schemas.xmlsoap.org/ws/2005/05/identity/claims", assertion.Attributes[0].AttributeNamespace);
        Assert.Equal(["orders.read", "orders.write"], assertion.Attributes[1].Values);
        Assert.False(assertion.Conditions.OneTimeUse);
    }

    [Fact]
    public async Task ValidateAsync_Saml11WhileNotAllowed_ReturnsSaml11NotAllowed()
    {
        // Row 54: Saml11Disabled. The default is off.
        var result = await fixture.CreateValidator().ValidateAsync(fixture.NewSaml11Assertion().BuildEncoded(fixture.IdpKey));

        Assert.False(new Saml2AssertionValidationParameters().AllowSaml11);
        Assert.Equal(Saml2AssertionFailureReason.Saml11NotAllowed, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml20WhileSaml11Allowed_IsStillAccepted()
    {
        var result = await fixture.CreateSaml11Validator().ValidateAsync(fixture.NewAssertion().BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(Saml2AssertionVersion.Saml20, result.Assertion!.Version);
    }

    [Fact]
    public async Task ValidateAsync_Saml11Unsigned_ReturnsSignatureMissing()
    {
        // Row 55 (row 1).
        var result = await ValidateAsync(fixture.NewSaml11Assertion().BuildUnsigned());

        Assert.Equal(Saml2AssertionFailureReason.SignatureMissing, result.FailureReason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task ValidateAsync_Saml11NameIdentifierTamperedAfterSigning_ReturnsDigestMismatch(int statement)
    {
        // Row 55 (row 2), in either statement.
        var document = SignedV1();
        AllSaml1(document, "NameIdentifier")[statement].InnerText = MaliciousAssertions.EvilNameId;

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11AttributeValueTampered_ReturnsDigestMismatch()
    {
        var document = SignedV1();
        Saml1(document, "AttributeValue").InnerText = "admin";

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11SignatureValueFlipped_ReturnsSignatureInvalid()
    {
        // Row 55 (row 3).
        var document = SignedV1();
        var signatureValue = MaliciousAssertions.Dsig(document, "SignatureValue");
        var bytes = Convert.FromBase64String(signatureValue.InnerText);
        bytes[10] ^= 0x01;
        signatureValue.InnerText = Convert.ToBase64String(bytes);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11DigestValueChanged_ReturnsSignatureInvalid()
    {
        // Row 55 (row 4): DigestValue is inside SignedInfo.
        var document = SignedV1();
        MaliciousAssertions.Dsig(document, "DigestValue").InnerText = Convert.ToBase64String(new byte[32]);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11ResignedWithAttackerKey_ReturnsSigningKeyNotTrusted()
    {
        // Row 55 (row 5): the attacker's certificate (same subject name) in KeyInfo.
        var builder = fixture.NewSaml11Assertion();
        builder.NameIdentifier = MaliciousAssertions.EvilNameId;

        var result = await ValidateAsync(builder, fixture.AttackerKey);

        Assert.Equal(Saml2AssertionFailureReason.SigningKeyNotTrusted, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11Xsw3Wrapper_ReturnsDocumentElementNotAssertion()
    {
        // Row 56 (row 6).
        var v = SignedV1();
        var document = new XmlDocument { PreserveWhitespace = true };
        var wrapper = document.CreateElement("w", "Wrapper", MaliciousAssertions.AttackerNs);
        document.AppendChild(wrapper);
        var original = (XmlElement)document.ImportNode(v.DocumentElement!, deep: true);
        wrapper.AppendChild(EvilCopy(original));
        wrapper.AppendChild(original);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DocumentElementNotAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11Xsw4EvilRootWrapsOriginal_ReturnsMultipleAssertions()
    {
        // Row 56 (row 7).
        var v = SignedV1();
        var document = new XmlDocument { PreserveWhitespace = true };
        var original = (XmlElement)document.ImportNode(v.DocumentElement!, deep: true);
        var evil = EvilCopy(original);
        document.AppendChild(evil);
        evil.AppendChild(original);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ValidateAsync_Saml11Xsw5Or6EvilRootKeepsSignature_ReturnsMultipleAssertions(bool cleanCopyInsideSignature)
    {
        // Row 56 (rows 8 and 9).
        var document = MaliciousAssertions.Clone(SignedV1());
        var root = document.DocumentElement!;
        var clean = CleanCopy(root);
        root.SetAttribute("AssertionID", "_evil");
        foreach (var nameIdentifier in AllSaml1(root, "NameIdentifier"))
        {
            nameIdentifier.InnerText = MaliciousAssertions.EvilNameId;
        }

        (cleanCopyInsideSignature ? MaliciousAssertions.Signature(document) : (XmlNode)root).AppendChild(clean);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11EvilRootKeepsSignatureAlone_ReturnsReferenceNotAssertion()
    {
        // Row 56 (row 8 without the clean copy): the reference names an ID the root no longer has.
        var document = MaliciousAssertions.Clone(SignedV1());
        document.DocumentElement!.SetAttribute("AssertionID", "_evil");

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceNotAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11SameIdCopyInAdvice_ReturnsDuplicateId()
    {
        // Row 56 (row 10): SAML 1.1 has no Extensions; Advice may hold an assertion.
        var document = MaliciousAssertions.Clone(SignedV1());
        var root = document.DocumentElement!;
        var advice = document.CreateElement("saml", "Advice", Saml1Ns);
        advice.AppendChild(EvilCopy(root, newId: null));
        root.InsertAfter(advice, Saml1(root, "Conditions"));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DuplicateId, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11CleanCopyInSignatureObject_ReturnsDuplicateId()
    {
        // Row 56 (row 11).
        var document = MaliciousAssertions.Clone(SignedV1());
        var root = document.DocumentElement!;
        var clean = CleanCopy(root);
        foreach (var nameIdentifier in AllSaml1(root, "NameIdentifier"))
        {
            nameIdentifier.InnerText = MaliciousAssertions.EvilNameId;
        }

        var dsObject = document.CreateElement("Object", Saml2AssertionBuilder.DsigNs);
        dsObject.AppendChild(clean);
        MaliciousAssertions.Signature(document).AppendChild(dsObject);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DuplicateId, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11SignatureMovedIntoStatement_ReturnsSignatureNotChildOfAssertion()
    {
        // Row 56 (rows 13 and 14).
        var document = SignedV1();
        var signature = MaliciousAssertions.Signature(document);
        signature.ParentNode!.RemoveChild(signature);
        Saml1(document, "AttributeStatement").AppendChild(signature);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureNotChildOfAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11TwoSignatures_ReturnsMultipleSignatures()
    {
        // Row 56 (row 15).
        var document = SignedV1();
        var signature = MaliciousAssertions.Signature(document);
        signature.ParentNode!.AppendChild(signature.CloneNode(deep: true));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.MultipleSignatures, result.FailureReason);
    }

    [Theory]
    [InlineData("AssertionID")]
    [InlineData("ID")]
    [InlineData("Id")]
    [InlineData("id")]
    public async Task ValidateAsync_Saml11SecondElementWithAssertionId_ReturnsDuplicateId(string attribute)
    {
        // Row 57: the same value under any spelling, signed by the trusted key.
        var builder = fixture.NewSaml11Assertion();
        builder.BeforeSigning = document => Saml1(document, "AuthenticationStatement")
            .AppendChild(document.CreateElement("saml", "SubjectLocality", Saml1Ns))!
            .Attributes!.Append(CreateAttribute(document, attribute, builder.AssertionId!));

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.DuplicateId, result.FailureReason);
    }

    private static XmlAttribute CreateAttribute(XmlDocument document, string name, string value)
    {
        var attribute = document.CreateAttribute(name);
        attribute.Value = value;
        return attribute;
    }

    [Fact]
    public async Task ValidateAsync_Saml11ReferenceToAnotherElement_ReturnsReferenceNotAssertion()
    {
        // Row 58: a validly signed reference to a statement's own ID.
        var builder = fixture.NewSaml11Assertion();
        var document = builder.BuildUnsigned();
        Saml1(document, "AttributeStatement").SetAttribute("ID", "_statement");
        var signedXml = new SignedXml(document) { SigningKey = fixture.IdpKey.PrivateKey };
        signedXml.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signedXml.SignedInfo.SignatureMethod = SignedXml.XmlDsigRSASHA256Url;
        var reference = new Reference("#_statement") { DigestMethod = SignedXml.XmlDsigSHA256Url };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        signedXml.AddReference(reference);
        signedXml.ComputeSignature();
        document.DocumentElement!.AppendChild(document.ImportNode(signedXml.GetXml(), deep: true));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceNotAssertion, result.FailureReason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("#")]
    [InlineData("#xpointer(/)")]
    public async Task ValidateAsync_Saml11ReferenceUriNotAssertionId_ReturnsReferenceNotAssertion(string uri)
    {
        // Row 58: URI="" (the whole document) and other forms, SignedInfo re-signed by the trusted key.
        var document = SignedV1();
        MaliciousAssertions.Dsig(document, "Reference").SetAttribute("URI", uri);
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.ReferenceNotAssertion, result.FailureReason);
    }

    [Theory]
    [InlineData("value")]
    [InlineData("Format")]
    [InlineData("NameQualifier")]
    [InlineData("missing")]
    public async Task ValidateAsync_Saml11StatementsNameDifferentSubjects_ReturnsSubjectMismatch(string difference)
    {
        // Row 59: SubjectConfusion, validly signed: never "take the first".
        var builder = fixture.NewSaml11Assertion();
        builder.NameQualifier = "https://idp.example.com";
        builder.BeforeSigning = document =>
        {
            var second = AllSaml1(document, "NameIdentifier")[1];
            switch (difference)
            {
                case "value":
                    second.InnerText = MaliciousAssertions.EvilNameId;
                    break;
                case "Format":
                    second.SetAttribute("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");
                    break;
                case "NameQualifier":
                    second.SetAttribute("NameQualifier", "https://evil.example.com");
                    break;
                default:
                    second.ParentNode!.RemoveChild(second);
                    break;
            }
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectMismatch, result.FailureReason);
    }

    [Theory]
    [InlineData(Saml11AssertionBuilder.HolderOfKeyMethod)]
    [InlineData(Saml11AssertionBuilder.SenderVouchesMethod)]
    [InlineData("urn:oasis:names:tc:SAML:2.0:cm:bearer")]
    public async Task ValidateAsync_Saml11OnlyNonBearerConfirmation_ReturnsSubjectConfirmationNotBearer(string method)
    {
        // Row 60: holder-of-key or sender-vouches only (and SAML 2.0's bearer URI is not SAML 1.1's).
        var builder = fixture.NewSaml11Assertion();
        builder.ConfirmationMethods.Clear();
        builder.ConfirmationMethods.Add(method);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectConfirmationNotBearer, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11BearerBesideHolderOfKey_IsAccepted()
    {
        var builder = fixture.NewSaml11Assertion();
        builder.ConfirmationMethods.Insert(0, Saml11AssertionBuilder.HolderOfKeyMethod);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(Saml11AssertionBuilder.BearerMethod, result.Assertion!.BearerConfirmation.Method);
    }

    [Fact]
    public async Task ValidateAsync_Saml11OneStatementWithoutConfirmation_ReturnsBearerConfirmationMissing()
    {
        // Row 61: the AttributeStatement's subject has bearer, the AuthenticationStatement's has none.
        var builder = fixture.NewSaml11Assertion();
        builder.BeforeSigning = document =>
        {
            var confirmation = AllSaml1(document, "SubjectConfirmation")[1];
            confirmation.ParentNode!.RemoveChild(confirmation);
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.BearerConfirmationMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11OneStatementHolderOfKeyOnly_ReturnsSubjectConfirmationNotBearer()
    {
        // Row 61, second form.
        var builder = fixture.NewSaml11Assertion();
        builder.BeforeSigning = document =>
            AllSaml1(AllSaml1(document, "SubjectConfirmation")[0], "ConfirmationMethod")[0].InnerText = Saml11AssertionBuilder.HolderOfKeyMethod;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectConfirmationNotBearer, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11NoAudienceRestrictionCondition_ReturnsAudienceRestrictionMissing()
    {
        // Row 62: AudienceMissing.
        var builder = fixture.NewSaml11Assertion();
        builder.AudienceRestrictions.Clear();

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.AudienceRestrictionMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11NoConditions_ReturnsAudienceRestrictionMissing()
    {
        var builder = fixture.NewSaml11Assertion();
        builder.IncludeConditions = false;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.AudienceRestrictionMissing, result.FailureReason);
    }

    [Theory]
    [InlineData("https://evil.example.com")]
    [InlineData("https://AS.example.com")]
    public async Task ValidateAsync_Saml11AudienceWrong_ReturnsAudienceInvalid(string audience)
    {
        // Row 62: Wrong.
        var builder = fixture.NewSaml11Assertion();
        builder.AudienceRestrictions[0] = [audience];

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.AudienceInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11SecondAudienceRestrictionFails_ReturnsAudienceInvalid()
    {
        // Row 62: SecondFails. Every AudienceRestrictionCondition must hold (SAML 1.1 core 2.3.2.1.3).
        var builder = fixture.NewSaml11Assertion();
        builder.AudienceRestrictions.Add(["https://evil.example.com"]);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.AudienceInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11ExpiredAtBoundary_ReturnsExpired()
    {
        // Row 63 (row 41): NotOnOrAfter == now - skew is expired.
        var builder = fixture.NewSaml11Assertion();
        builder.IssueInstant = Now.AddMinutes(-30);
        builder.NotBefore = Now.AddMinutes(-30);
        builder.NotOnOrAfter = Now - Skew;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.Expired, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11JustInsideSkew_IsAccepted()
    {
        var builder = fixture.NewSaml11Assertion();
        builder.IssueInstant = Now.AddMinutes(-30);
        builder.NotBefore = Now.AddMinutes(-30);
        builder.NotOnOrAfter = Now - Skew + TimeSpan.FromMilliseconds(1);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11NotYetValid_ReturnsNotYetValid()
    {
        // Row 63 (row 42).
        var builder = fixture.NewSaml11Assertion();
        builder.NotBefore = Now + Skew + TimeSpan.FromSeconds(1);
        builder.NotOnOrAfter = Now.AddMinutes(30);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.NotYetValid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11NoNotOnOrAfter_ReturnsExpiryMissing()
    {
        // Row 63 (row 44): SAML 1.1 confirmations carry no times, so Conditions must.
        var builder = fixture.NewSaml11Assertion();
        builder.NotOnOrAfter = null;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.ExpiryMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11LifetimeOverMaximum_ReturnsLifetimeTooLong()
    {
        // Row 63 (row 43): one hour and a millisecond from IssueInstant (= NotBefore).
        var builder = fixture.NewSaml11Assertion();
        builder.NotBefore = Now;
        builder.NotOnOrAfter = Now.AddHours(1).AddMilliseconds(1);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.LifetimeTooLong, result.FailureReason);
    }

    [Theory]
    [InlineData("https://evil.example.com/saml")]
    [InlineData("https://IDP.example.com/saml")]
    public async Task ValidateAsync_Saml11IssuerNotConfigured_ReturnsIssuerNotTrusted(string issuer)
    {
        // Row 64: IssuerUnknown.
        var builder = fixture.NewSaml11Assertion();
        builder.Issuer = issuer;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.IssuerNotTrusted, result.FailureReason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task ValidateAsync_Saml11IssuerMissing_ReturnsIssuerMissing(string? issuer)
    {
        var builder = fixture.NewSaml11Assertion();
        builder.Issuer = issuer;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.IssuerMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11SignedByOtherIdpKey_ReturnsIssuerKeyMismatch()
    {
        // Row 64: KeyMismatch: the other IdP's key is trusted, but not for this Issuer.
        var result = await ValidateAsync(fixture.NewSaml11Assertion(), fixture.OtherIdpKey);

        Assert.Equal(Saml2AssertionFailureReason.IssuerKeyMismatch, result.FailureReason);
    }

    [Theory]
    [InlineData("2", "1")]
    [InlineData("1", "0")]
    [InlineData("1", "2")]
    [InlineData(null, "1")]
    [InlineData("1", null)]
    [InlineData("01", "1")]
    public async Task ValidateAsync_Saml11BadVersion_ReturnsUnsupportedVersion(string? major, string? minor)
    {
        // Row 65: MajorVersion 2 in the SAML 1.0 namespace, SAML 1.0 (MinorVersion 0), missing values.
        var builder = fixture.NewSaml11Assertion();
        builder.MajorVersion = major;
        builder.MinorVersion = minor;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedVersion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11NoAssertionId_ReturnsIdMissing()
    {
        // Row 65: an ID attribute does not stand in for AssertionID.
        var document = SignedV1();
        var root = document.DocumentElement!;
        root.SetAttribute("ID", root.GetAttribute("AssertionID"));
        root.RemoveAttribute("AssertionID");

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.IdMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11NoIssueInstant_ReturnsIssueInstantMissing()
    {
        // Row 65.
        var builder = fixture.NewSaml11Assertion();
        builder.IssueInstant = null;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.IssueInstantMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml20SubjectInSaml11Statement_ReturnsMalformedAssertion()
    {
        // Row 66: a SAML 2.0 Subject inside a SAML 1.1 statement, validly signed.
        var builder = fixture.NewSaml11Assertion();
        builder.BeforeSigning = document =>
        {
            var statement = Saml1(document, "AuthenticationStatement");
            var subject = Saml1(statement, "Subject");
            var saml2Subject = document.CreateElement("saml2", "Subject", Saml2AssertionBuilder.AssertionNs);
            var nameId = saml2Subject.AppendChild(document.CreateElement("saml2", "NameID", Saml2AssertionBuilder.AssertionNs))!;
            nameId.InnerText = MaliciousAssertions.EvilNameId;
            statement.ReplaceChild(saml2Subject, subject);
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.MalformedAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11AssertionWrappingSaml20Assertion_ReturnsMultipleAssertions()
    {
        // Row 66: a signed SAML 2.0 assertion placed in the SAML 1.1 assertion's Advice.
        var saml2 = fixture.NewAssertion().BuildSigned(fixture.IdpKey);
        var builder = fixture.NewSaml11Assertion();
        builder.BeforeSigning = document =>
        {
            var advice = document.CreateElement("saml", "Advice", Saml1Ns);
            advice.AppendChild(document.ImportNode(saml2.DocumentElement!, deep: true));
            document.DocumentElement!.InsertAfter(advice, Saml1(document, "Conditions"));
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml20AssertionWrappingSaml11Assertion_ReturnsMultipleAssertions()
    {
        var saml11 = SignedV1();
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
        {
            var advice = document.CreateElement("saml", "Advice", Saml2AssertionBuilder.AssertionNs);
            advice.AppendChild(document.ImportNode(saml11.DocumentElement!, deep: true));
            document.DocumentElement!.InsertAfter(advice, MaliciousAssertions.Saml(document, "Conditions"));
        };

        var result = await fixture.CreateSaml11Validator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.MultipleAssertions, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11CommentSplicedIntoNameIdentifier_AcceptsWholeText()
    {
        // Row 67: the comment is outside the canonical form; the subject is the whole text.
        var builder = fixture.NewSaml11Assertion();
        builder.NameIdentifier = "admin@x.com.evil.com";
        var document = builder.BuildSigned(fixture.IdpKey);
        foreach (var nameIdentifier in AllSaml1(document, "NameIdentifier"))
        {
            var text = nameIdentifier.InnerText;
            nameIdentifier.RemoveAll();
            nameIdentifier.AppendChild(document.CreateTextNode(text[.."admin@x.com".Length]));
            nameIdentifier.AppendChild(document.CreateComment(string.Empty));
            nameIdentifier.AppendChild(document.CreateTextNode(text["admin@x.com".Length..]));
        }

        // RemoveAll dropped the Format attribute: put it back, as it was signed.
        foreach (var nameIdentifier in AllSaml1(document, "NameIdentifier"))
        {
            nameIdentifier.SetAttribute("Format", Saml2AssertionBuilder.EmailFormat);
        }

        Assert.Contains("admin@x.com<!---->.evil.com", document.OuterXml, StringComparison.Ordinal);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal("admin@x.com.evil.com", result.Assertion!.NameId.Value);
    }

    [Fact]
    public async Task ValidateAsync_Saml11UnknownCondition_ReturnsUnsupportedCondition()
    {
        // Row 68: a saml1:Condition with an xsi:type this validator cannot know.
        var builder = fixture.NewSaml11Assertion();
        builder.BeforeSigning = document =>
        {
            var condition = document.CreateElement("saml", "Condition", Saml1Ns);
            var type = document.CreateAttribute("xsi", "type", MaliciousAssertions.XsiNs);
            type.Value = "atk:AlwaysTrue";
            condition.Attributes.Append(type);
            condition.SetAttribute("xmlns:atk", MaliciousAssertions.AttackerNs);
            Saml1(document, "Conditions").AppendChild(condition);
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedCondition, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11Saml20ConditionName_ReturnsUnsupportedCondition()
    {
        // Row 68: SAML 2.0's AudienceRestriction spelled in the SAML 1.1 namespace is not a SAML 1.1 condition.
        var builder = fixture.NewSaml11Assertion();
        builder.BeforeSigning = document =>
            Saml1(document, "Conditions").AppendChild(document.CreateElement("saml", "OneTimeUse", Saml1Ns));

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedCondition, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11DoNotCacheCondition_IsAcceptedAsOneTimeUse()
    {
        // Row 68: DoNotCacheCondition is known; it keeps the assertion off the fast path.
        var builder = fixture.NewSaml11Assertion();
        builder.DoNotCache = true;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.True(result.Assertion!.Conditions.OneTimeUse);
    }

    [Fact]
    public async Task ValidateAsync_Saml11SignatureNotLastChild_ReturnsSignatureMisplaced()
    {
        // Issue 11 part 4: the SAML 1.1 schema puts ds:Signature after the statements.
        var document = SignedV1();
        var signature = MaliciousAssertions.Signature(document);
        var root = document.DocumentElement!;
        root.RemoveChild(signature);
        root.InsertAfter(signature, Saml1(root, "Conditions"));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureMisplaced, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11RsaSha1_ReturnsUnsupportedSignatureAlgorithm()
    {
        // Rows 26 and 27 on V1: older AD FS farms sign with RSA-SHA1; refused unless AllowSha1.
        var builder = fixture.NewSaml11Assertion();
        builder.SignatureAlgorithm = SignedXml.XmlDsigRSASHA1Url;
        builder.DigestAlgorithm = SignedXml.XmlDsigSHA1Url;

        var refused = await ValidateAsync(builder);
        var allowed = await fixture.CreateSaml11Validator(p => p.AllowSha1 = true).ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, refused.FailureReason);
        Assert.Equal(Saml2AssertionFailureReason.None, allowed.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11InclusiveC14N_ReturnsUnsupportedCanonicalizationMethod()
    {
        // Row 29 on V1.
        var builder = fixture.NewSaml11Assertion();
        builder.CanonicalizationMethod = SignedXml.XmlDsigC14NTransformUrl;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedCanonicalizationMethod, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11XsltTransform_ReturnsUnsupportedTransform()
    {
        // Row 30 on V1, SignedInfo re-signed by the trusted key.
        var document = SignedV1();
        MaliciousAssertions.ReplaceTransform(document, 1, MaliciousAssertions.Transform(
            document, SignedXml.XmlDsigXsltTransformUrl, "<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\"/>"));
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(document), fixture.IdpKey);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedTransform, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11PrettyPrintedAfterSigning_ReturnsDigestMismatch()
    {
        // Row 25 on V1.
        var document = MaliciousAssertions.PrettyPrint(SignedV1(), keepSignatureIntact: true);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11UnknownStatement_ReturnsMalformedAssertion()
    {
        // An abstract Statement with an xsi:type is content this validator cannot read.
        var builder = fixture.NewSaml11Assertion();
        builder.BeforeSigning = document =>
        {
            var statement = document.CreateElement("saml", "Statement", Saml1Ns);
            var type = document.CreateAttribute("xsi", "type", MaliciousAssertions.XsiNs);
            type.Value = "atk:Anything";
            statement.Attributes.Append(type);
            statement.SetAttribute("xmlns:atk", MaliciousAssertions.AttackerNs);
            document.DocumentElement!.AppendChild(statement);
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.MalformedAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11NoStatement_ReturnsSubjectMissing()
    {
        var builder = fixture.NewSaml11Assertion();
        builder.Attributes.Clear();
        builder.IncludeAuthenticationStatement = false;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11FollowedBySecondRoot_ReturnsMalformedXml()
    {
        // Row 16 on V1 (CVE-2022-39299): V1 followed by an evil second root.
        var v1 = SignedV1();
        var xml = v1.OuterXml + EvilCopy(MaliciousAssertions.Clone(v1).DocumentElement!).OuterXml;

        var result = await fixture.CreateSaml11Validator().ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11WithExternalEntity_ReturnsMalformedXmlWithoutFetching()
    {
        // Row 32 on V1: the DTD is refused before any entity is resolved.
        using var listener = new RecordingTcpListener();
        var xml = $"<!DOCTYPE saml:Assertion [<!ENTITY xxe SYSTEM \"{listener.Url("xxe11")}\">]>"
            + SignedV1().OuterXml.Replace(">alice@example.com</saml:NameIdentifier>", ">&xxe;</saml:NameIdentifier>", StringComparison.Ordinal);

        var result = await fixture.CreateSaml11Validator().ValidateAsync(MaliciousAssertions.Base64(xml));

        Assert.Equal(Saml2AssertionFailureReason.MalformedXml, result.FailureReason);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task ValidateAsync_Saml11DeepNesting_ReturnsDepthExceeded()
    {
        // Row 35 on V1.
        var xml = SignedV1().OuterXml;
        var at = xml.IndexOf("</saml:AttributeValue>", StringComparison.Ordinal);
        var nested = string.Concat(Enumerable.Repeat("<a>", 10_000)) + string.Concat(Enumerable.Repeat("</a>", 10_000));

        var result = await fixture.CreateSaml11Validator().ValidateAsync(MaliciousAssertions.Base64(xml.Insert(at, nested)));

        Assert.Equal(Saml2AssertionFailureReason.DepthExceeded, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_Saml11NoNameIdentifierAnywhere_ReturnsNameIdMissing()
    {
        // Row 45 on V1: subjects confirmed by bearer but naming no one.
        var builder = fixture.NewSaml11Assertion();
        builder.NameIdentifier = null;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.NameIdMissing, result.FailureReason);
    }
}
