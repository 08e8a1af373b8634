namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The <c>saml:NameID</c> of an assertion's subject (SAML core 2.2.3), read from the signed element.
/// </summary>
/// <param name="Value">The identifier: the whole text content, as the signature saw it.</param>
/// <param name="Format">The <c>Format</c> attribute, or <see langword="null"/> when absent (unspecified).</param>
/// <param name="NameQualifier">The <c>NameQualifier</c> attribute, or <see langword="null"/>.</param>
/// <param name="SPNameQualifier">The <c>SPNameQualifier</c> attribute, or <see langword="null"/>.</param>
/// <param name="SPProvidedId">The <c>SPProvidedID</c> attribute, or <see langword="null"/>.</param>
public sealed record Saml2NameIdentifier(
    string Value,
    string? Format,
    string? NameQualifier,
    string? SPNameQualifier,
    string? SPProvidedId);
