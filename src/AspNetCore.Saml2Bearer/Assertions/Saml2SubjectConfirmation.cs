namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// A <c>saml:SubjectConfirmation</c> and its <c>SubjectConfirmationData</c> (SAML core 2.4.1).
/// </summary>
/// <param name="Method">The confirmation method URI, e.g. <c>urn:oasis:names:tc:SAML:2.0:cm:bearer</c>.</param>
/// <param name="Recipient">The <c>Recipient</c> of the confirmation data, or <see langword="null"/>.</param>
/// <param name="NotBefore">The <c>NotBefore</c> of the confirmation data, or <see langword="null"/>.</param>
/// <param name="NotOnOrAfter">The <c>NotOnOrAfter</c> of the confirmation data, or <see langword="null"/>.</param>
/// <param name="InResponseTo">The <c>InResponseTo</c> of the confirmation data, or <see langword="null"/>.</param>
/// <param name="Address">The <c>Address</c> of the confirmation data, or <see langword="null"/>.</param>
public sealed record Saml2SubjectConfirmation(
    string Method,
    string? Recipient,
    DateTimeOffset? NotBefore,
    DateTimeOffset? NotOnOrAfter,
    string? InResponseTo,
    string? Address);
