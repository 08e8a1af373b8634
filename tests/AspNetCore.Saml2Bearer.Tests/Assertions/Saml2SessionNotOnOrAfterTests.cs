using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// The AuthnStatement's <c>SessionNotOnOrAfter</c> (SAML core 2.7.2) on the validated assertion: read strictly as
/// an <c>xs:dateTime</c> like every other instant, the earliest one when there are several, never in SAML 1.1.
/// It bounds renewals; it is not a validity condition of the assertion itself.
/// </summary>
public sealed class Saml2SessionNotOnOrAfterTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private DateTimeOffset Now => fixture.Now;

    [Fact]
    public async Task ValidateAsync_SessionNotOnOrAfterPresent_ExposedOnAssertionAndStatement()
    {
        var builder = fixture.NewAssertion();
        builder.SessionNotOnOrAfter = Now.AddHours(8);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(Now.AddHours(8), result.Assertion!.SessionNotOnOrAfter);
        Assert.Equal(Now.AddHours(8), Assert.Single(result.Assertion.AuthenticationStatements).SessionNotOnOrAfter);
    }

    [Fact]
    public async Task ValidateAsync_NoSessionNotOnOrAfter_IsNull()
    {
        var builder = fixture.NewAssertion();
        Assert.Null(builder.SessionNotOnOrAfter);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Null(result.Assertion!.SessionNotOnOrAfter);
    }

    [Fact]
    public async Task ValidateAsync_TimeZoneOffset_NormalizedToUtc()
    {
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document => AuthnStatement(document).SetAttribute("SessionNotOnOrAfter", "2099-06-01T10:00:00+02:00");

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(new DateTimeOffset(2099, 6, 1, 8, 0, 0, TimeSpan.Zero), result.Assertion!.SessionNotOnOrAfter);
        Assert.Equal(TimeSpan.Zero, result.Assertion.SessionNotOnOrAfter!.Value.Offset);
    }

    [Fact]
    public async Task ValidateAsync_TwoAuthnStatements_EarliestSessionEndWins()
    {
        var builder = fixture.NewAssertion();
        builder.SessionNotOnOrAfter = Now.AddHours(8);
        builder.BeforeSigning = document =>
        {
            var first = AuthnStatement(document);
            var second = (XmlElement)first.CloneNode(deep: true);
            second.SetAttribute("SessionNotOnOrAfter", Saml2AssertionBuilder.Format(Now.AddHours(2)));
            first.ParentNode!.InsertAfter(second, first);
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(2, result.Assertion!.AuthenticationStatements.Count);
        Assert.Equal(Now.AddHours(2), result.Assertion.SessionNotOnOrAfter);
    }

    [Fact]
    public async Task ValidateAsync_SecondStatementWithoutSessionEnd_FirstOneStillBinds()
    {
        var builder = fixture.NewAssertion();
        builder.SessionNotOnOrAfter = Now.AddHours(3);
        builder.BeforeSigning = document =>
        {
            var first = AuthnStatement(document);
            var second = (XmlElement)first.CloneNode(deep: true);
            second.RemoveAttribute("SessionNotOnOrAfter");
            first.ParentNode!.InsertAfter(second, first);
        };

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(Now.AddHours(3), result.Assertion!.SessionNotOnOrAfter);
    }

    [Fact]
    public async Task ValidateAsync_SessionAlreadyEnded_AssertionStillAccepted()
    {
        // SessionNotOnOrAfter speaks of the identity provider's session, not of the assertion's validity
        // (SAML core 2.7.2): it limits renewals, and the assertion is judged by its own conditions.
        var builder = fixture.NewAssertion();
        builder.SessionNotOnOrAfter = Now.AddMinutes(-1);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(Now.AddMinutes(-1), result.Assertion!.SessionNotOnOrAfter);
    }

    [Theory]
    [InlineData("tomorrow")]
    [InlineData("")]
    [InlineData("2099-13-01T00:00:00Z")]
    [InlineData("2099-06-01 10:00:00Z")]
    [InlineData("2099-06-01T25:00:00Z")]
    [InlineData("1719835200")]
    public async Task ValidateAsync_SessionNotOnOrAfterNotADateTime_ReturnsInvalidDateTime(string value)
    {
        // As for every other instant: a value that is no xs:dateTime rejects the assertion, never reads as "no end".
        var builder = fixture.NewAssertion();
        builder.BeforeSigning = document => AuthnStatement(document).SetAttribute("SessionNotOnOrAfter", value);

        var result = await ValidateAsync(builder);

        Assert.Equal(Saml2AssertionFailureReason.InvalidDateTime, result.FailureReason);
        Assert.Null(result.Assertion);
    }

    [Fact]
    public async Task ValidateAsync_Saml11Assertion_SessionNotOnOrAfterIsNull()
    {
        var builder = fixture.NewSaml11Assertion();

        var result = await fixture.CreateSaml11Validator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(Saml2AssertionVersion.Saml11, result.Assertion!.Version);
        Assert.NotEmpty(result.Assertion.AuthenticationStatements);
        Assert.Null(result.Assertion.SessionNotOnOrAfter);
    }

    [Fact]
    public async Task TestIdentityProvider_DescriptorSessionNotOnOrAfter_IssuedAndValidated()
    {
        using var idp = new TestSaml2IdentityProvider();
        var sessionEnd = idp.TimeProvider.GetUtcNow().AddMinutes(30);

        var result = await new Saml2AssertionValidator(idp.CreateValidationParameters())
            .ValidateAsync(idp.IssueAssertion(descriptor => descriptor.SessionNotOnOrAfter = sessionEnd));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        // The builder writes milliseconds; the descriptor's instant comes back to the millisecond.
        Assert.Equal(sessionEnd.ToUnixTimeMilliseconds(), result.Assertion!.SessionNotOnOrAfter!.Value.ToUnixTimeMilliseconds());
    }

    private ValueTask<Saml2AssertionValidationResult> ValidateAsync(Saml2AssertionBuilder builder) =>
        fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

    private static XmlElement AuthnStatement(XmlDocument document) =>
        (XmlElement)document.GetElementsByTagName("AuthnStatement", Saml2AssertionBuilder.AssertionNs)[0]!;
}
