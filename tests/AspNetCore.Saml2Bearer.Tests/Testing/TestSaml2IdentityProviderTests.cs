using System.Security.Cryptography.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Tests.Testing;

/// <summary>The Testing package's identity provider mints assertions that the validator accepts, with either key type.</summary>
public sealed class TestSaml2IdentityProviderTests
{
    [Fact]
    public async Task IssueAssertion_EcdsaKey_ValidatesWithEcdsaSha256()
    {
        using var idp = new TestSaml2IdentityProvider(keyType: TestSaml2KeyType.Ecdsa);

        var result = await new Saml2AssertionValidator(idp.CreateValidationParameters()).ValidateAsync(idp.IssueAssertion());

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", result.Assertion!.SignatureAlgorithm);
    }

    [Fact]
    public async Task IssueAssertion_EcdsaKeyManyTimes_EveryAssertionValidates()
    {
        // Each ECDSA assertion is signed on its own (no state carried over from the previous signature).
        using var idp = new TestSaml2IdentityProvider(keyType: TestSaml2KeyType.Ecdsa);
        var validator = new Saml2AssertionValidator(idp.CreateValidationParameters());

        for (var i = 0; i < 20; i++)
        {
            var result = await validator.ValidateAsync(idp.IssueAssertion(d => d.NameId = $"user{i}@example.com"));

            Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
            Assert.Equal($"user{i}@example.com", result.Assertion!.NameId.Value);
        }
    }

    [Fact]
    public async Task IssueAssertion_RsaKey_ValidatesWithRsaSha256()
    {
        using var idp = new TestSaml2IdentityProvider(keyType: TestSaml2KeyType.Rsa);

        var result = await new Saml2AssertionValidator(idp.CreateValidationParameters()).ValidateAsync(idp.IssueAssertion());

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(SignedXml.XmlDsigRSASHA256Url, result.Assertion!.SignatureAlgorithm);
    }
}
