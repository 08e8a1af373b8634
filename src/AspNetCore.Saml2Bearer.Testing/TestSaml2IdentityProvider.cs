using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// A SAML identity provider for tests and demos: it generates (or is given) a signing key and mints
/// signed SAML 2.0 bearer assertions, and it produces the validation parameters that trust it.
/// </summary>
public sealed class TestSaml2IdentityProvider : IDisposable
{
    private readonly TestSigningKey _key;

    /// <summary>The entity ID used unless one is given.</summary>
    public const string DefaultEntityId = "https://idp.test/saml";

    /// <summary>Creates an identity provider with a freshly generated key.</summary>
    /// <param name="entityId">The entity ID written into <c>saml:Issuer</c>.</param>
    /// <param name="keyType">The kind of key to generate.</param>
    /// <param name="timeProvider">The clock for issue instants. Default: <see cref="TimeProvider.System"/>.</param>
    public TestSaml2IdentityProvider(string entityId = DefaultEntityId, TestSaml2KeyType keyType = TestSaml2KeyType.Rsa, TimeProvider? timeProvider = null)
        : this(entityId, CreateKey(keyType), timeProvider)
    {
    }

    private TestSaml2IdentityProvider(string entityId, TestSigningKey key, TimeProvider? timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        EntityId = entityId;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _key = key;
        SignatureAlgorithm = key.IsEcdsa
            ? "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
            : SignedXml.XmlDsigRSASHA256Url;
    }

    /// <summary>
    /// Creates an identity provider whose key and certificate live in the PEM file <paramref name="keyFilePath"/>
    /// (a <c>CERTIFICATE</c> and its unencrypted PKCS#8 <c>PRIVATE KEY</c>): read when the file exists, otherwise
    /// generated and written there (readable by the owner only, on Unix). A development identity provider
    /// thus keeps its certificate across restarts, as <c>dotnet user-jwts</c> keeps its key, and the same file
    /// can be the application's <c>Assertion:SigningCertificates</c> entry (the private key in it is ignored there).
    /// </summary>
    /// <param name="keyFilePath">The PEM file. Keep it out of source control: it holds a private key.</param>
    /// <param name="entityId">The entity ID written into <c>saml:Issuer</c>.</param>
    /// <param name="keyType">The kind of key to generate when the file does not exist; an existing file's key decides otherwise.</param>
    /// <param name="timeProvider">The clock for issue instants. Default: <see cref="TimeProvider.System"/>.</param>
    /// <returns>The identity provider.</returns>
    /// <exception cref="InvalidOperationException">The file exists but does not hold a certificate and its matching private key.</exception>
    public static TestSaml2IdentityProvider LoadOrCreate(string keyFilePath, string entityId = DefaultEntityId, TestSaml2KeyType keyType = TestSaml2KeyType.Rsa, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyFilePath);
        return new TestSaml2IdentityProvider(entityId, TestSigningKeyFile.LoadOrCreate(keyFilePath, () => CreateKey(keyType)), timeProvider);
    }

    /// <summary>The entity ID written into <c>saml:Issuer</c>.</summary>
    public string EntityId { get; }

    /// <summary>The clock for issue instants and lifetimes.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The audience assertions name unless a descriptor says otherwise.</summary>
    public string DefaultAudience { get; set; } = "https://as.test";

    /// <summary>The bearer Recipient unless a descriptor says otherwise: typically the token endpoint.</summary>
    public string DefaultRecipient { get; set; } = "https://as.test/connect/token";

    /// <summary>The signature method URI. Default: RSA-SHA256 (ECDSA-SHA256 for an ECDSA key).</summary>
    public string SignatureAlgorithm { get; set; }

    /// <summary>The digest method URI. Default: SHA-256.</summary>
    public string DigestAlgorithm { get; set; } = SignedXml.XmlDsigSHA256Url;

    /// <summary>The public signing certificate, as a relying party would configure it.</summary>
    public X509Certificate2 SigningCertificate => _key.PublicCertificate;

    /// <summary>The public signing certificate in PEM form, e.g. to write a file for configuration.</summary>
    /// <returns>The PEM text.</returns>
    public string ExportSigningCertificatePem() => _key.Certificate.ExportCertificatePem();

    /// <summary>Mints a signed assertion and returns it base64-encoded, as a caller sends it.</summary>
    /// <param name="configure">Sets what the assertion says; the defaults make a valid assertion.</param>
    /// <returns>The encoded assertion.</returns>
    public string IssueAssertion(Action<TestSaml2AssertionDescriptor>? configure = null) =>
        Saml2AssertionBuilder.Encode(CreateBuilder(configure).BuildSigned(_key));

    /// <summary>
    /// Mints a signed assertion for <paramref name="nameId"/> and returns the <c>Authorization</c> header that
    /// carries it: <c>SAML &lt;base64&gt;</c>. Set it on a request or on <c>HttpClient.DefaultRequestHeaders</c>;
    /// <c>ToString()</c> gives the header's text.
    /// </summary>
    /// <param name="nameId">The subject's NameID.</param>
    /// <param name="configure">Sets what else the assertion says (attributes, audience, lifetime...); the defaults make a valid assertion.</param>
    /// <returns>The header value.</returns>
    public AuthenticationHeaderValue CreateAuthorizationHeader(string nameId, Action<TestSaml2AssertionDescriptor>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameId);
        return new AuthenticationHeaderValue(Saml2BearerDefaults.HeaderScheme, IssueAssertion(descriptor =>
        {
            descriptor.NameId = nameId;
            configure?.Invoke(descriptor);
        }));
    }

    /// <summary>
    /// Creates the low-level builder for an assertion, for tests that need to tamper with it; sign it with
    /// <see cref="Sign(Saml2AssertionBuilder)"/>.
    /// </summary>
    /// <param name="configure">Sets what the assertion says.</param>
    /// <returns>The builder.</returns>
    public Saml2AssertionBuilder CreateBuilder(Action<TestSaml2AssertionDescriptor>? configure = null)
    {
        var descriptor = new TestSaml2AssertionDescriptor();
        configure?.Invoke(descriptor);
        var issueInstant = descriptor.IssueInstant ?? TimeProvider.GetUtcNow();
        var builder = new Saml2AssertionBuilder(issueInstant)
        {
            Id = descriptor.Id,
            Issuer = EntityId,
            NameId = descriptor.NameId,
            NameIdFormat = descriptor.NameIdFormat,
            Recipient = descriptor.Recipient ?? DefaultRecipient,
            NotBefore = issueInstant,
            NotOnOrAfter = issueInstant + descriptor.Lifetime,
            SubjectConfirmationNotOnOrAfter = issueInstant + descriptor.Lifetime,
            AuthnContextClassRef = descriptor.AuthenticationContextClassReference,
            SessionNotOnOrAfter = descriptor.SessionNotOnOrAfter,
            SignatureAlgorithm = SignatureAlgorithm,
            DigestAlgorithm = DigestAlgorithm,
        };
        CopyAudiencesAndAttributes(descriptor, builder.AudienceRestrictions, builder.Attributes);
        return builder;
    }

    /// <summary>The descriptor's audiences (else <see cref="DefaultAudience"/>) and attributes, for either version's builder.</summary>
    private void CopyAudiencesAndAttributes(TestSaml2AssertionDescriptor descriptor, List<List<string>> audienceRestrictions, List<KeyValuePair<string, string[]>> attributes)
    {
        audienceRestrictions.Clear();
        audienceRestrictions.Add(descriptor.Audiences.Count > 0 ? [.. descriptor.Audiences] : [DefaultAudience]);
        attributes.Clear();
        foreach (var (name, values) in descriptor.Attributes)
        {
            attributes.Add(new(name, values));
        }
    }

    /// <summary>Signs what <paramref name="builder"/> describes with this identity provider's key.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The encoded signed assertion.</returns>
    public string Sign(Saml2AssertionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return Saml2AssertionBuilder.Encode(builder.BuildSigned(_key));
    }

    /// <summary>
    /// Validation parameters that trust this identity provider, for the given audience and recipient
    /// (default: <see cref="DefaultAudience"/> and <see cref="DefaultRecipient"/>).
    /// </summary>
    /// <param name="audience">The valid audience.</param>
    /// <param name="recipient">The valid recipient.</param>
    /// <returns>The parameters.</returns>
    public Saml2AssertionValidationParameters CreateValidationParameters(string? audience = null, string? recipient = null)
    {
        var parameters = new Saml2AssertionValidationParameters { TimeProvider = TimeProvider };
        parameters.AddIdentityProvider(EntityId, SigningCertificate);
        parameters.ValidAudiences.Add(audience ?? DefaultAudience);
        parameters.ValidRecipients.Add(recipient ?? DefaultRecipient);
        return parameters;
    }

    /// <summary>Configures <paramref name="parameters"/> to trust this identity provider.</summary>
    /// <param name="parameters">The parameters to change, e.g. <c>Saml2BearerOptions.Assertion</c>.</param>
    public void Trust(Saml2AssertionValidationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.AddIdentityProvider(EntityId, SigningCertificate);
    }

    /// <summary>
    /// Mints a signed SAML 1.1 assertion (AD FS-shaped: AttributeStatement and AuthenticationStatement, each
    /// with its Subject and bearer confirmation) and returns it base64-encoded, as a caller sends it. The
    /// descriptor's Recipient does not apply: SAML 1.1 has none.
    /// </summary>
    /// <param name="configure">Sets what the assertion says; the defaults make a valid assertion.</param>
    /// <returns>The encoded assertion.</returns>
    public string IssueSaml11Assertion(Action<TestSaml2AssertionDescriptor>? configure = null) =>
        Sign(CreateSaml11Builder(configure));

    /// <summary>
    /// Creates the low-level SAML 1.1 builder for an assertion, for tests that need to tamper with it; sign
    /// it with <see cref="Sign(Saml11AssertionBuilder)"/>.
    /// </summary>
    /// <param name="configure">Sets what the assertion says.</param>
    /// <returns>The builder.</returns>
    public Saml11AssertionBuilder CreateSaml11Builder(Action<TestSaml2AssertionDescriptor>? configure = null)
    {
        var descriptor = new TestSaml2AssertionDescriptor();
        configure?.Invoke(descriptor);
        var issueInstant = descriptor.IssueInstant ?? TimeProvider.GetUtcNow();
        var builder = new Saml11AssertionBuilder(issueInstant)
        {
            AssertionId = descriptor.Id,
            Issuer = EntityId,
            NameIdentifier = descriptor.NameId,
            NameIdentifierFormat = descriptor.NameIdFormat,
            NotBefore = issueInstant,
            NotOnOrAfter = issueInstant + descriptor.Lifetime,
            SignatureAlgorithm = SignatureAlgorithm,
            DigestAlgorithm = DigestAlgorithm,
        };
        CopyAudiencesAndAttributes(descriptor, builder.AudienceRestrictions, builder.Attributes);
        return builder;
    }

    /// <summary>Signs what <paramref name="builder"/> describes with this identity provider's key.</summary>
    /// <param name="builder">The SAML 1.1 builder.</param>
    /// <returns>The encoded signed assertion.</returns>
    public string Sign(Saml11AssertionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.BuildEncoded(_key);
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static TestSigningKey CreateKey(TestSaml2KeyType keyType) =>
        keyType == TestSaml2KeyType.Ecdsa ? TestSigningKey.CreateEcdsa("CN=Test SAML IdP") : TestSigningKey.CreateRsa("CN=Test SAML IdP");
}
