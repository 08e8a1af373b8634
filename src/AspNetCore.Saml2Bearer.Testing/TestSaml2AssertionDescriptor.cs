namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// What a <see cref="TestSaml2IdentityProvider"/> puts into an assertion. Every value has a usable default.
/// </summary>
public sealed class TestSaml2AssertionDescriptor
{
    /// <summary>The assertion ID. Default: a new random ID.</summary>
    public string Id { get; set; } = "_" + Guid.NewGuid().ToString("N");

    /// <summary>The subject's NameID. Default: <c>alice@example.com</c>.</summary>
    public string NameId { get; set; } = "alice@example.com";

    /// <summary>The NameID format. Default: the email address format.</summary>
    public string? NameIdFormat { get; set; } = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

    /// <summary>The audiences of the single AudienceRestriction. Default: the identity provider's <see cref="TestSaml2IdentityProvider.DefaultAudience"/>.</summary>
    public IList<string> Audiences { get; } = new List<string>();

    /// <summary>The bearer confirmation's Recipient. Default: the identity provider's <see cref="TestSaml2IdentityProvider.DefaultRecipient"/>.</summary>
    public string? Recipient { get; set; }

    /// <summary>Attributes by name, each with all its values.</summary>
    public IDictionary<string, string[]> Attributes { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal);

    /// <summary>How long the assertion is valid from its issue instant. Default: 5 minutes.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The issue instant. Default: the identity provider's clock.</summary>
    public DateTimeOffset? IssueInstant { get; set; }

    /// <summary>The authentication context class. Default: password-protected transport.</summary>
    public string? AuthenticationContextClassReference { get; set; } = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

    /// <summary>
    /// The AuthnStatement's <c>SessionNotOnOrAfter</c>: when the identity provider's session ends. Default:
    /// <see langword="null"/>, none. SAML 2.0 only: a SAML 1.1 assertion has no such attribute and ignores it.
    /// </summary>
    public DateTimeOffset? SessionNotOnOrAfter { get; set; }
}
