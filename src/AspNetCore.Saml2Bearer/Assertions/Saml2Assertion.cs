namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// A validated SAML 2.0 (or, when allowed, SAML 1.1) assertion. Every value was read from the element
/// the signature covered. A SAML 1.1 assertion maps onto the same shape: <c>AssertionID</c> is
/// <see cref="Id"/>, the <c>Issuer</c> attribute is <see cref="Issuer"/>, the statements' common
/// <c>NameIdentifier</c> is <see cref="NameId"/>, and its bearer confirmation has no recipient or times.
/// </summary>
public sealed class Saml2Assertion
{
    /// <summary>The SAML version the assertion was written in. Default: <see cref="Saml2AssertionVersion.Saml20"/>.</summary>
    public Saml2AssertionVersion Version { get; init; }

    /// <summary>The assertion's <c>ID</c> (SAML 1.1: <c>AssertionID</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The assertion's <c>Issuer</c>: the entity ID of the identity provider.</summary>
    public required string Issuer { get; init; }

    /// <summary>The assertion's <c>IssueInstant</c>.</summary>
    public required DateTimeOffset IssueInstant { get; init; }

    /// <summary>The subject's <c>NameID</c>.</summary>
    public required Saml2NameIdentifier NameId { get; init; }

    /// <summary>The subject confirmations, in document order.</summary>
    public required IReadOnlyList<Saml2SubjectConfirmation> SubjectConfirmations { get; init; }

    /// <summary>The bearer subject confirmation that satisfied validation.</summary>
    public required Saml2SubjectConfirmation BearerConfirmation { get; init; }

    /// <summary>The assertion's conditions.</summary>
    public required Saml2Conditions Conditions { get; init; }

    /// <summary>The authentication statements, in document order.</summary>
    public required IReadOnlyList<Saml2AuthenticationStatement> AuthenticationStatements { get; init; }

    /// <summary>The attributes of every <c>AttributeStatement</c>, in document order.</summary>
    public required IReadOnlyList<Saml2Attribute> Attributes { get; init; }

    /// <summary>The signature method URI the assertion was signed with.</summary>
    public required string SignatureAlgorithm { get; init; }

    /// <summary>The digest method URI of the signature's reference.</summary>
    public required string DigestAlgorithm { get; init; }

    /// <summary>
    /// The instant after which the assertion can no longer be used: the earlier of the conditions'
    /// <c>NotOnOrAfter</c> and the bearer confirmation's <c>NotOnOrAfter</c>, without clock skew.
    /// </summary>
    public required DateTimeOffset ValidTo { get; init; }

    /// <summary>
    /// The instant the identity provider's session ends (SAML core 2.7.2, <c>SessionNotOnOrAfter</c> of an
    /// <c>AuthnStatement</c>): the earliest one among <see cref="AuthenticationStatements"/>, or
    /// <see langword="null"/> when none carries it. SAML 1.1 has no such attribute: always <see langword="null"/>
    /// there. It does not limit the assertion's own validity (<see cref="ValidTo"/>); it bounds how long
    /// anything derived from the authentication, a refresh token's renewals say, may be kept alive.
    /// </summary>
    public DateTimeOffset? SessionNotOnOrAfter
    {
        get
        {
            DateTimeOffset? earliest = null;
            foreach (var statement in AuthenticationStatements)
            {
                if (statement.SessionNotOnOrAfter is { } end && (earliest is null || end < earliest))
                {
                    earliest = end;
                }
            }

            return earliest;
        }
    }
}
