namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// A <c>saml:Attribute</c> of an <c>AttributeStatement</c> (SAML core 2.7.3), with all its values.
/// </summary>
/// <param name="Name">The <c>Name</c> attribute.</param>
/// <param name="NameFormat">The <c>NameFormat</c> attribute, or <see langword="null"/>.</param>
/// <param name="FriendlyName">The <c>FriendlyName</c> attribute, or <see langword="null"/>.</param>
/// <param name="Values">The text of each <c>AttributeValue</c>, in document order.</param>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "SAML core names this element Attribute.")]
public sealed record Saml2Attribute(
    string Name,
    string? NameFormat,
    string? FriendlyName,
    IReadOnlyList<string> Values);
