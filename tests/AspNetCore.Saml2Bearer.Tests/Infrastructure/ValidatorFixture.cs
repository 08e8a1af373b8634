using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// A trusted IdP key, an untrusted attacker key, a second trusted IdP, a fake clock, and validators.
/// </summary>
public sealed class ValidatorFixture : IDisposable
{
    public const string OtherIssuer = "https://other-idp.example.com/saml";

    public ValidatorFixture()
    {
        IdpKey = TestSigningKey.CreateRsa("CN=Trusted IdP");
        OtherIdpKey = TestSigningKey.CreateRsa("CN=Other trusted IdP");
        AttackerKey = TestSigningKey.CreateRsa("CN=Trusted IdP");
        EcdsaIdpKey = TestSigningKey.CreateEcdsa("CN=Trusted EC IdP");
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    }

    public TestSigningKey IdpKey { get; }

    public TestSigningKey OtherIdpKey { get; }

    public TestSigningKey AttackerKey { get; }

    public TestSigningKey EcdsaIdpKey { get; }

    public FakeTimeProvider Time { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    public Saml2AssertionBuilder NewAssertion() => new(Now);

    /// <summary>V1: a valid SAML 1.1 assertion from the trusted IdP, AD FS-shaped.</summary>
    public Saml11AssertionBuilder NewSaml11Assertion() => new(Now);

    /// <summary>A validator with <see cref="Saml2AssertionValidationParameters.AllowSaml11"/> on.</summary>
    public Saml2AssertionValidator CreateSaml11Validator(Action<Saml2AssertionValidationParameters>? configure = null) =>
        CreateValidator(parameters =>
        {
            parameters.AllowSaml11 = true;
            configure?.Invoke(parameters);
        });

    public Saml2AssertionValidationParameters CreateParameters(Action<Saml2AssertionValidationParameters>? configure = null)
    {
        var parameters = new Saml2AssertionValidationParameters { TimeProvider = Time };
        parameters.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, IdpKey.PublicCertificate, EcdsaIdpKey.PublicCertificate);
        parameters.AddIdentityProvider(OtherIssuer, OtherIdpKey.PublicCertificate);
        parameters.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        parameters.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        configure?.Invoke(parameters);
        return parameters;
    }

    public Saml2AssertionValidator CreateValidator(Action<Saml2AssertionValidationParameters>? configure = null) =>
        new(CreateParameters(configure));

    public void Dispose()
    {
        IdpKey.Dispose();
        OtherIdpKey.Dispose();
        AttackerKey.Dispose();
        EcdsaIdpKey.Dispose();
    }
}
