using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// Issue 11 part 4: a <c>ds:Signature</c> that is a direct child of a SAML 2.0 assertion but not right after
/// <c>Issuer</c> breaks the schema (<c>Issuer, ds:Signature?, Subject?, ...</c>) and is refused, even though
/// the enveloped-signature transform would verify it anywhere.
/// </summary>
public sealed class Saml2SignaturePositionTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private async Task<Saml2AssertionValidationResult> ValidateAsync(XmlDocument document) =>
        await fixture.CreateValidator().ValidateAsync(Saml2AssertionBuilder.Encode(document));

    private XmlDocument WithSignatureMoved(Action<XmlElement, XmlElement> place)
    {
        var document = fixture.NewAssertion().BuildSigned(fixture.IdpKey);
        var signature = MaliciousAssertions.Signature(document);
        var root = document.DocumentElement!;
        root.RemoveChild(signature);
        place(root, signature);
        return document;
    }

    [Fact]
    public async Task ValidateAsync_SignatureRightAfterIssuer_IsAccepted()
    {
        var result = await ValidateAsync(fixture.NewAssertion().BuildSigned(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignatureLastChild_ReturnsSignatureMisplaced()
    {
        var document = WithSignatureMoved((root, signature) => root.AppendChild(signature));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureMisplaced, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignatureBeforeIssuer_ReturnsSignatureMisplaced()
    {
        var document = WithSignatureMoved((root, signature) => root.PrependChild(signature));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureMisplaced, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_SignatureAfterSubject_ReturnsSignatureMisplaced()
    {
        var document = WithSignatureMoved((root, signature) => root.InsertAfter(signature, MaliciousAssertions.Saml(root, "Subject")));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.SignatureMisplaced, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_CommentBetweenIssuerAndSignature_IsAccepted()
    {
        // Only element order counts: a comment (outside the digest) between them is not schema content.
        var document = fixture.NewAssertion().BuildSigned(fixture.IdpKey);
        document.DocumentElement!.InsertBefore(document.CreateComment("signature"), MaliciousAssertions.Signature(document));

        var result = await ValidateAsync(document);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }
}
