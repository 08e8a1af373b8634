using System.Security.Cryptography.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

public sealed class Saml2AssertionValidatorTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    [Fact]
    public async Task ValidateAsync_ValidRsaSha256Assertion_ReturnsParsedValues()
    {
        var builder = fixture.NewAssertion();
        builder.NameQualifier = "https://idp.example.com";
        builder.SPNameQualifier = "https://as.example.com";

        var result = await fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        var assertion = result.Assertion!;
        Assert.Equal(builder.Id, assertion.Id);
        Assert.Equal(Saml2AssertionBuilder.DefaultIssuer, assertion.Issuer);
        Assert.Equal(fixture.Now, assertion.IssueInstant);
        Assert.Equal(new Saml2NameIdentifier("alice@example.com", Saml2AssertionBuilder.EmailFormat, "https://idp.example.com", "https://as.example.com", null), assertion.NameId);
        Assert.Equal(Saml2AssertionBuilder.DefaultRecipient, assertion.BearerConfirmation.Recipient);
        Assert.Equal(fixture.Now.AddMinutes(5), assertion.ValidTo);
        Assert.Equal([Saml2AssertionBuilder.DefaultAudience], Assert.Single(assertion.Conditions.AudienceRestrictions));
        var authn = Assert.Single(assertion.AuthenticationStatements);
        Assert.Equal("_session-1", authn.SessionIndex);
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport", authn.AuthenticationContextClassReference);
        Assert.Equal(2, assertion.Attributes.Count);
        Assert.Equal(["orders.read", "orders.write"], assertion.Attributes[1].Values);
        Assert.Equal(SignedXml.XmlDsigRSASHA256Url, assertion.SignatureAlgorithm);
    }

    [Theory]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", SignedXml.XmlDsigSHA256Url)]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", SignedXml.XmlDsigSHA384Url)]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", SignedXml.XmlDsigSHA512Url)]
    public async Task ValidateAsync_ValidEcdsaAssertion_IsAccepted(string signatureAlgorithm, string digestAlgorithm)
    {
        var builder = fixture.NewAssertion();
        builder.SignatureAlgorithm = signatureAlgorithm;
        builder.DigestAlgorithm = digestAlgorithm;

        var result = await fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(fixture.EcdsaIdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(signatureAlgorithm, result.Assertion!.SignatureAlgorithm);
    }

    [Theory]
    [InlineData(SignedXml.XmlDsigRSASHA256Url, SignedXml.XmlDsigSHA256Url)]
    [InlineData(SignedXml.XmlDsigRSASHA384Url, SignedXml.XmlDsigSHA384Url)]
    [InlineData(SignedXml.XmlDsigRSASHA512Url, SignedXml.XmlDsigSHA512Url)]
    [InlineData(SignedXml.XmlDsigRSASHA256Url, SignedXml.XmlDsigSHA512Url)]
    public async Task ValidateAsync_ValidRsaAssertion_IsAccepted(string signatureAlgorithm, string digestAlgorithm)
    {
        var builder = fixture.NewAssertion();
        builder.SignatureAlgorithm = signatureAlgorithm;
        builder.DigestAlgorithm = digestAlgorithm;

        var result = await fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(digestAlgorithm, result.Assertion!.DigestAlgorithm);
    }
}
