using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// How <see cref="Saml2AssertionValidationParameters.MaximumLifetime"/> is measured: from the later of
/// <c>IssueInstant</c> and <c>NotBefore</c> to the effective <c>NotOnOrAfter</c>. A stock Microsoft Entra
/// ID assertion backdates <c>NotBefore</c> 5 minutes before <c>IssueInstant</c> and ends 60 minutes after
/// it: a 65-minute window, and a one-hour assertion.
/// </summary>
public sealed class Saml2AssertionLifetimeTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private static readonly TimeSpan OneHour = Saml2AssertionValidationParameters.DefaultMaximumLifetime;

    private DateTimeOffset Now => fixture.Now;

    [Fact]
    public async Task ValidateAsync_EntraShapedAssertionWithDefaultMaximumLifetime_IsAccepted()
    {
        // Entra ID's stock SAML 2.0 output, issued a minute ago: NotBefore = IssueInstant - 5 min,
        // NotOnOrAfter (Conditions and bearer confirmation) = IssueInstant + 60 min, AuthnInstant earlier.
        var issued = Now.AddMinutes(-1);
        var builder = EntraShaped(issued);
        Assert.Equal(TimeSpan.FromMinutes(65), builder.NotOnOrAfter!.Value - builder.NotBefore!.Value);

        var result = await fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
        Assert.Equal(issued.AddMinutes(60), result.Assertion!.ValidTo);
    }

    [Fact]
    public async Task ValidateAsync_EntraShapedAssertionOneSecondLonger_ReturnsLifetimeTooLong()
    {
        // The boundary: 60 minutes and one second from IssueInstant is too long, whatever NotBefore says.
        var builder = EntraShaped(Now.AddMinutes(-1));
        builder.NotOnOrAfter = builder.NotOnOrAfter!.Value.AddSeconds(1);
        builder.SubjectConfirmationNotOnOrAfter = builder.NotOnOrAfter;

        var result = await fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.LifetimeTooLong, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_NotBeforeLaterThanIssueInstant_CountsFromNotBefore()
    {
        // Issued 30 minutes ago for use from 10 minutes ago, for one hour from then: accepted for one hour.
        var builder = fixture.NewAssertion();
        builder.IssueInstant = Now.AddMinutes(-30);
        builder.NotBefore = Now.AddMinutes(-10);
        builder.NotOnOrAfter = Now.AddMinutes(50);
        builder.SubjectConfirmationNotOnOrAfter = Now.AddMinutes(50);

        var result = await fixture.CreateValidator().ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.None, result.FailureReason);
    }

    [Fact]
    public async Task ValidateAsync_EntraShapedAssertionWithShorterMaximumLifetime_ReturnsLifetimeTooLong()
    {
        // The setting still bites: a deployment that allows 59 minutes refuses Entra's hour.
        var builder = EntraShaped(Now.AddMinutes(-1));

        var result = await fixture.CreateValidator(parameters => parameters.MaximumLifetime = TimeSpan.FromMinutes(59))
            .ValidateAsync(builder.BuildEncoded(fixture.IdpKey));

        Assert.Equal(Saml2AssertionFailureReason.LifetimeTooLong, result.FailureReason);
    }

    [Theory]
    [InlineData(0, null, 60, 60)]          // no NotBefore: from IssueInstant
    [InlineData(0, -5, 60, 60)]            // Entra: NotBefore backdated, not counted
    [InlineData(0, -525_600, 60, 60)]      // backdated a year: still not counted (the assertion did not exist then)
    [InlineData(0, 10, 70, 60)]            // NotBefore after IssueInstant: from NotBefore
    [InlineData(-525_600, -525_600, 60, 525_660)] // issued a year ago: counted in full
    public void Lifetime_FromTheLaterOfIssueInstantAndNotBefore(int issueMinutes, int? notBeforeMinutes, int validToMinutes, int expectedMinutes)
    {
        var lifetime = Saml2AssertionRules.Lifetime(
            Now.AddMinutes(issueMinutes),
            notBeforeMinutes is { } notBefore ? Now.AddMinutes(notBefore) : null,
            Now.AddMinutes(validToMinutes));

        Assert.Equal(TimeSpan.FromMinutes(expectedMinutes), lifetime);
    }

    private Saml2AssertionBuilder EntraShaped(DateTimeOffset issued)
    {
        var builder = fixture.NewAssertion();
        builder.IssueInstant = issued;
        builder.NotBefore = issued.AddMinutes(-5);
        builder.NotOnOrAfter = issued + OneHour;
        builder.SubjectConfirmationNotOnOrAfter = issued + OneHour;
        builder.AuthnInstant = issued.AddMinutes(-3);
        builder.NameIdFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
        builder.AuthnContextClassRef = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";
        builder.Attributes.Clear();
        builder.Attributes.Add(new("http://schemas.microsoft.com/identity/claims/tenantid", ["00000000-0000-0000-0000-0000000000aa"]));
        builder.Attributes.Add(new("http://schemas.microsoft.com/identity/claims/objectidentifier", ["00000000-0000-0000-0000-0000000000bb"]));
        builder.Attributes.Add(new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", ["alice@contoso.example"]));
        return builder;
    }
}
