namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// A <c>saml:AuthnStatement</c> (SAML core 2.7.2).
/// </summary>
/// <param name="AuthenticationInstant">The <c>AuthnInstant</c> attribute.</param>
/// <param name="AuthenticationContextClassReference">The <c>AuthnContextClassRef</c>, or <see langword="null"/>.</param>
/// <param name="SessionIndex">The <c>SessionIndex</c> attribute, or <see langword="null"/>.</param>
/// <param name="SessionNotOnOrAfter">The <c>SessionNotOnOrAfter</c> attribute, or <see langword="null"/>.</param>
public sealed record Saml2AuthenticationStatement(
    DateTimeOffset AuthenticationInstant,
    string? AuthenticationContextClassReference,
    string? SessionIndex,
    DateTimeOffset? SessionNotOnOrAfter);
