using System.Text;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Diagnostics;

namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

public sealed class Saml2BearerSha1HintTests
{
    private const string Dsig = "http://www.w3.org/2000/09/xmldsig#";

    [Theory]
    [InlineData(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "RSA-SHA1")]
    [InlineData(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", "ECDSA-SHA1")]
    [InlineData(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, "http://www.w3.org/2000/09/xmldsig#hmac-sha1", null)]
    [InlineData(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, "urn:made-up", null)]
    [InlineData(Saml2AssertionFailureReason.SignatureInvalid, "http://www.w3.org/2000/09/xmldsig#rsa-sha1", null)]
    public void Sha1Algorithm_SignatureMethod_NamesOnlyTheSha1Algorithms(Saml2AssertionFailureReason reason, string algorithm, string? expected)
    {
        var xml = Signed(algorithm, "http://www.w3.org/2001/04/xmlenc#sha256");

        Assert.Equal(expected, Saml2BearerSha1Hint.Sha1Algorithm(reason, xml, new Saml2AssertionValidationParameters()));
    }

    [Fact]
    public void Sha1Algorithm_Sha1Digest_NamesIt()
    {
        var xml = Signed("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", Dsig + "sha1");

        Assert.Equal("a SHA-1 digest", Saml2BearerSha1Hint.Sha1Algorithm(Saml2AssertionFailureReason.UnsupportedDigestAlgorithm, xml, new Saml2AssertionValidationParameters()));
    }

    [Fact]
    public void Sha1Algorithm_Sha1AlreadyAllowed_NoHint()
    {
        var xml = Signed(Dsig + "rsa-sha1", Dsig + "sha1");

        Assert.Null(Saml2BearerSha1Hint.Sha1Algorithm(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, xml, new Saml2AssertionValidationParameters { AllowSha1 = true }));
    }

    [Theory]
    [InlineData("<not xml")]
    [InlineData("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>")]
    public void Sha1Algorithm_UnreadableOrDtd_NoHintAndNoThrow(string text)
    {
        Assert.Null(Saml2BearerSha1Hint.Sha1Algorithm(Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm, Encoding.UTF8.GetBytes(text), new Saml2AssertionValidationParameters()));
    }

    private static byte[] Signed(string signatureMethod, string digestMethod) => Encoding.UTF8.GetBytes($$"""
        <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0">
          <saml:Issuer>https://idp.example.com</saml:Issuer>
          <ds:Signature xmlns:ds="{{Dsig}}">
            <ds:SignedInfo>
              <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
              <ds:SignatureMethod Algorithm="{{signatureMethod}}"/>
              <ds:Reference URI="#_a"><ds:DigestMethod Algorithm="{{digestMethod}}"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference>
            </ds:SignedInfo>
            <ds:SignatureValue>AA==</ds:SignatureValue>
          </ds:Signature>
        </saml:Assertion>
        """);
}
