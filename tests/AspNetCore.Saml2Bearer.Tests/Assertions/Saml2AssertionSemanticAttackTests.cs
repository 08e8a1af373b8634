using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// SECURITY-CASES.md, "SAML semantics" (rows 37-50): assertions validly signed by the trusted IdP key
/// whose content breaks RFC 7522 section 3 or SAML core. The signature is genuine, so only the
/// semantic rule under test can reject them.
/// </summary>
public sealed class Saml2AssertionSemanticAttackTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private static readonly TimeSpan Skew = Saml2AssertionValidationParameters.DefaultClockSkew;

    private DateTimeOffset Now => fixture.Now;

    private async Task<Saml2AssertionValidationResult> ValidateAsync(Saml2AssertionBuilder builder, TestSigningKey? key = null) =>
        await fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(key ?? fixture.IdpKey));

    private async Task<Saml2AssertionValidationResult> ValidateAsync(XmlDocument document) =>
        await fixture.CreateValidator().ValidateAsync(Saml2AssertionBuilder.Encode(document));

    [Fact]
    public async Task ValidateAsync_CommentSplicedIntoNameIdAfterSigning_AcceptsWholeText()
    {
        // Row 37: CommentInNameID. The comment is outside the signed canonical form, so the signature
        // still holds; the subject must be the whole text, never the part before the comment.
        var builder = fixture.NewAssertion();
        builder.NameId = "admin@x.com.evil.com";
        var document = builder.BuildSigned(fixture.IdpKey);
        MaliciousAssertions.SpliceCommentIntoNameId(document, "admin@x.com".Length);
        Assert.Contains("admin@x.com<!---->.evil.com", document.OuterXml, StringComparison.Ordinal);

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal("admin@x.com.evil.com", result.Assertion!.NameId.Value);
        Assert.NotEqual("admin@x.com", result.Assertion.NameId.Value);
    }

    [Fact]
    public async Task ValidateAsync_CommentInNameIdWhenSigned_AcceptsWholeText()
    {
        // Row 37: the comment was already there when the IdP signed.
        var builder = fixture.NewAssertion();
        builder.NameId = "admin@x.com.evil.com";
        builder.BeforeSigning = document => MaliciousAssertions.SpliceCommentIntoNameId(document, "admin@x.com".Length);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal("admin@x.com.evil.com", result.Assertion!.NameId.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task ValidateAsync_IssuerMissingOrEmpty_ReturnsIssuerMissing(string? issuer)
    {
        // Row 38: IssuerMissing.
        var builder = fixture.NewAssertion();
        builder.Issuer = issuer;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.IssuerMissing, result.FailureReason);
    }

    [Theory]
    [InlineData("https://evil.example.com/saml")]
    [InlineData("https://IDP.example.com/saml")]
    [InlineData("https://idp.example.com/saml/")]
    public async Task ValidateAsync_IssuerNotConfigured_ReturnsIssuerNotTrusted(string issuer)
    {
        // Row 38: IssuerUnknown, signed with a trusted key; issuers compare ordinally.
        var builder = fixture.NewAssertion();
        builder.Issuer = issuer;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.IssuerNotTrusted, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SecondIssuer_ReturnsMalformedAssertion()
    {
        // Row 38: two Issuers, so no single answer to "who issued this".
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
        {
            var issuer = MaliciousAssertions.Saml(document, "Issuer");
            var second = (XmlElement)issuer.CloneNode(deep: true);
            second.InnerText = ValidatorFixture.OtherIssuer;
            issuer.ParentNode!.InsertAfter(second, issuer);
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.MalformedAssertion, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignedByOtherTrustedIdpClaimingFirstIdp_ReturnsIssuerKeyMismatch()
    {
        // Row 39: IssuerKeyMismatch, IdP B's trusted key, Issuer says IdP A.
        var result = await ValidateAsync(fixture.NewAssertion(), fixture.OtherIdpKey);

        Assert.Equal(Saml2AssertionFailureReason.IssuerKeyMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignedByFirstIdpClaimingOtherIdp_ReturnsIssuerKeyMismatch()
    {
        // Row 39: the same the other way round.
        var builder = fixture.NewAssertion();
        builder.Issuer = ValidatorFixture.OtherIssuer;

        var result = await ValidateAsync(builder, fixture.IdpKey);

        Assert.Equal(Saml2AssertionFailureReason.IssuerKeyMismatch, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignedByOtherTrustedIdpWithoutKeyInfo_ReturnsSignatureInvalid()
    {
        // Row 39 without the KeyInfo hint: the key is still not bound to the issuer.
        var builder = fixture.NewAssertion();
        builder.IncludeKeyInfo = false;

        var result = await ValidateAsync(builder, fixture.OtherIdpKey);

        Assert.Equal(Saml2AssertionFailureReason.SignatureInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NoAudienceRestriction_ReturnsAudienceRestrictionMissing()
    {
        // Row 40: AudienceMissing.
        var builder = fixture.NewAssertion();
        builder.AudienceRestrictions.Clear();

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.AudienceRestrictionMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NoConditions_ReturnsAudienceRestrictionMissing()
    {
        // Row 40: AudienceMissing, no Conditions at all (the bearer confirmation still expires).
        var builder = fixture.NewAssertion();
        builder.IncludeConditions = false;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.AudienceRestrictionMissing, result.FailureReason);
    }

    [Theory]
    [InlineData("https://evil.example.com")]
    [InlineData("https://as.example.com.evil.com")]
    [InlineData("https://AS.example.com")]
    public async Task ValidateAsync_AudienceNotValid_ReturnsAudienceInvalid(string audience)
    {
        // Row 40: AudienceWrong.
        var builder = fixture.NewAssertion();
        builder.AudienceRestrictions[0][0] = audience;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.AudienceInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SecondAudienceRestrictionWithoutValidAudience_ReturnsAudienceInvalid()
    {
        // Row 40: every AudienceRestriction must hold (SAML core 2.5.1.4), not just one.
        var builder = fixture.NewAssertion();
        builder.AudienceRestrictions.Add(["https://other-sp.example.com"]);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.AudienceInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NotOnOrAfterWellPast_ReturnsExpired()
    {
        // Row 41: Expired.
        var builder = fixture.NewAssertion();
        builder.IssueInstant = Now.AddMinutes(-20);
        builder.NotBefore = Now.AddMinutes(-20);
        builder.NotOnOrAfter = Now.AddMinutes(-10);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.Expired, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NotOnOrAfterExactlyNowMinusSkew_ReturnsExpired()
    {
        // Row 41 boundary: equal is expired.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
            MaliciousAssertions.SetPreciseTime(MaliciousAssertions.Saml(document, "Conditions"), "NotOnOrAfter", Now - Skew);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.Expired, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NotOnOrAfterOneTickAfterNowMinusSkew_IsAccepted()
    {
        // Row 41 boundary: one tick later is still inside the skew.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
            MaliciousAssertions.SetPreciseTime(MaliciousAssertions.Saml(document, "Conditions"), "NotOnOrAfter", Now - Skew + TimeSpan.FromTicks(1));

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(Now - Skew + TimeSpan.FromTicks(1), result.Assertion!.ValidTo);
    }

    [Fact]
    public async Task ValidateAsync_NotBeforeBeyondSkew_ReturnsNotYetValid()
    {
        // Row 42: NotYetValid.
        var builder = fixture.NewAssertion();
        builder.NotBefore = Now + Skew + TimeSpan.FromSeconds(1);
        builder.NotOnOrAfter = Now.AddMinutes(30);
        builder.SubjectConfirmationNotOnOrAfter = Now.AddMinutes(30);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.NotYetValid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_IssueInstantBeyondSkew_ReturnsNotYetValid()
    {
        // Row 42: an assertion "issued" in the future.
        var builder = fixture.NewAssertion();
        builder.IssueInstant = Now + Skew + TimeSpan.FromSeconds(1);
        builder.NotBefore = null;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.NotYetValid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_TenYearLifetime_ReturnsLifetimeTooLong()
    {
        // Row 43: FarFuture.
        var builder = fixture.NewAssertion();
        builder.NotOnOrAfter = Now.AddYears(10);
        builder.SubjectConfirmationNotOnOrAfter = Now.AddYears(10);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.LifetimeTooLong, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_OnlyBearerExpiryFarFuture_ReturnsLifetimeTooLong()
    {
        // Row 43: no Conditions NotOnOrAfter, so the bearer confirmation's far expiry is the lifetime.
        var builder = fixture.NewAssertion();
        builder.NotOnOrAfter = null;
        builder.SubjectConfirmationNotOnOrAfter = Now.AddDays(30);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.LifetimeTooLong, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_IssuedLongAgo_ReturnsLifetimeTooLong()
    {
        // Row 43: a lifetime stretched at the other end. The lifetime starts at IssueInstant (a NotBefore
        // backdated before it does not count, see Saml2AssertionLifetimeTests), so the stretch is an
        // assertion issued a year ago that is still valid now.
        var builder = fixture.NewAssertion();
        builder.IssueInstant = Now.AddYears(-1);
        builder.NotBefore = Now.AddYears(-1);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.LifetimeTooLong, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NoNotOnOrAfterAnywhere_ReturnsExpiryMissing()
    {
        // Row 44: NoExpiry.
        var builder = fixture.NewAssertion();
        builder.NotOnOrAfter = null;
        builder.SubjectConfirmationNotOnOrAfter = null;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.ExpiryMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_BearerConfirmationWithoutNotOnOrAfter_ReturnsSubjectConfirmationExpiryMissing()
    {
        // Row 44: RFC 7522 section 3 item 3 wants the bearer confirmation's own NotOnOrAfter.
        var builder = fixture.NewAssertion();
        builder.SubjectConfirmationNotOnOrAfter = null;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectConfirmationExpiryMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NoSubject_ReturnsSubjectMissing()
    {
        // Row 45: NoSubject.
        var builder = fixture.NewAssertion();
        builder.IncludeSubject = false;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectMissing, result.FailureReason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t\n ")]
    public async Task ValidateAsync_NameIdMissingOrEmpty_ReturnsNameIdMissing(string? nameId)
    {
        // Row 45: EmptyNameID.
        var builder = fixture.NewAssertion();
        builder.NameId = nameId;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.NameIdMissing, result.FailureReason);
    }

    [Theory]
    [InlineData("urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")]
    [InlineData("urn:oasis:names:tc:SAML:2.0:cm:sender-vouches")]
    [InlineData("urn:oasis:names:tc:SAML:2.0:cm:BEARER")]
    public async Task ValidateAsync_OnlyNonBearerConfirmation_ReturnsBearerConfirmationMissing(string method)
    {
        // Row 46: HolderOfKeyOnly (and the other non-bearer methods).
        var builder = fixture.NewAssertion();
        builder.SubjectConfirmationMethod = method;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.BearerConfirmationMissing, result.FailureReason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task ValidateAsync_BearerRecipientMissing_ReturnsRecipientMissing(string? recipient)
    {
        // Row 47: RecipientMissing.
        var builder = fixture.NewAssertion();
        builder.Recipient = recipient;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.RecipientMissing, result.FailureReason);
    }

    [Theory]
    [InlineData("https://evil.example.com/oauth2/token")]
    [InlineData("https://as.example.com/oauth2/token/")]
    [InlineData("https://as.example.com/oauth2/token?x=1")]
    public async Task ValidateAsync_BearerRecipientWrong_ReturnsRecipientInvalid(string recipient)
    {
        // Row 47: RecipientWrong.
        var builder = fixture.NewAssertion();
        builder.Recipient = recipient;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.RecipientInvalid, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_BearerConfirmationPastNotOnOrAfter_ReturnsSubjectConfirmationExpired()
    {
        // Row 48: SubjectConfirmationExpired, while the Conditions are still valid.
        var builder = fixture.NewAssertion();
        builder.SubjectConfirmationNotOnOrAfter = Now - Skew - TimeSpan.FromSeconds(1);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectConfirmationExpired, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_BearerConfirmationNotOnOrAfterExactlyNowMinusSkew_ReturnsSubjectConfirmationExpired()
    {
        // Row 48 boundary: equal is expired here too.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
            MaliciousAssertions.SetPreciseTime(MaliciousAssertions.Saml(document, "SubjectConfirmationData"), "NotOnOrAfter", Now - Skew);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectConfirmationExpired, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_BearerConfirmationNotBeforeBeyondSkew_ReturnsSubjectConfirmationExpired()
    {
        // Row 48: the bearer confirmation's window has not opened yet.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
            MaliciousAssertions.SetPreciseTime(MaliciousAssertions.Saml(document, "SubjectConfirmationData"), "NotBefore", Now + Skew + TimeSpan.FromSeconds(1));

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.SubjectConfirmationExpired, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_ConditionOfUnknownXsiType_ReturnsUnsupportedCondition()
    {
        // Row 49: UnknownCondition.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = MaliciousAssertions.AddCustomCondition;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedCondition, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_ForeignElementInConditions_ReturnsUnsupportedCondition()
    {
        // Row 49: a condition from another namespace.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
            MaliciousAssertions.Saml(document, "Conditions").AppendChild(document.CreateElement("atk", "AlwaysTrue", MaliciousAssertions.AttackerNs));

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedCondition, result.FailureReason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1.1")]
    [InlineData("2.1")]
    [InlineData("2.0 ")]
    public async Task ValidateAsync_VersionNotTwoPointZero_ReturnsUnsupportedVersion(string? version)
    {
        // Row 50: BadVersion.
        var builder = fixture.NewAssertion();
        builder.Version = version;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.UnsupportedVersion, result.FailureReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ValidateAsync_IdMissingOrEmpty_ReturnsIdMissing(bool empty)
    {
        // Row 50: missing ID (no ID means nothing the reference could name).
        var document = fixture.NewAssertion().BuildSigned(fixture.IdpKey);
        if (empty)
        {
            document.DocumentElement!.SetAttribute("ID", string.Empty);
        }
        else
        {
            document.DocumentElement!.RemoveAttribute("ID");
        }

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.IdMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_IssueInstantMissing_ReturnsIssueInstantMissing()
    {
        // Row 50: missing IssueInstant.
        var builder = fixture.NewAssertion();
        builder.IssueInstant = null;

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.IssueInstantMissing, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_IssueInstantNotADateTime_ReturnsInvalidDateTime()
    {
        // Row 50: an IssueInstant that is no xs:dateTime.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document => document.DocumentElement!.SetAttribute("IssueInstant", "yesterday");

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.InvalidDateTime, result.FailureReason);
    }

    [Theory]
    [InlineData("Conditions", "NotOnOrAfter", "0001-01-01T00:00:00+14:00", Saml2AssertionFailureReason.Expired)]
    [InlineData("SubjectConfirmationData", "NotOnOrAfter", "0001-01-01T00:00:00+14:00", Saml2AssertionFailureReason.SubjectConfirmationExpired)]
    [InlineData("Conditions", "NotBefore", "9999-12-31T23:59:59-14:00", Saml2AssertionFailureReason.NotYetValid)]
    [InlineData("Assertion", "IssueInstant", "9999-12-31T23:59:59-14:00", Saml2AssertionFailureReason.NotYetValid)]
    public async Task ValidateAsync_TimeBeyondCalendarEdgeOnceInUtc_KeepsItsDirection(string element, string attribute, string value, Saml2AssertionFailureReason expected)
    {
        // Rows 41, 42, 48 at the calendar's edges: a time that leaves the DateTime range when brought
        // to UTC must neither crash the validator nor wrap round to the other end of time.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
            (element == "Assertion" ? document.DocumentElement! : MaliciousAssertions.Saml(document, element)).SetAttribute(attribute, value);

        var result = await ValidateAsync(builder);

        Assert.Equal(expected, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_BothExpiriesBeyondCalendarEdge_ReturnsLifetimeTooLong()
    {
        // Row 43 at the calendar's upper edge.
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document =>
        {
            MaliciousAssertions.Saml(document, "Conditions").SetAttribute("NotOnOrAfter", "9999-12-31T23:59:59-14:00");
            MaliciousAssertions.Saml(document, "SubjectConfirmationData").SetAttribute("NotOnOrAfter", "9999-12-31T23:59:59-14:00");
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.LifetimeTooLong, result.FailureReason);
    }
}
