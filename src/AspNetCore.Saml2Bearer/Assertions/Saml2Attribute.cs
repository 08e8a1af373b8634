namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// A <c>saml:Attribute</c> of an <c>AttributeStatement</c> (SAML core 2.7.3, or SAML 1.1 core 2.4.4), with all its values.
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
    IReadOnlyList<string> Values)
{
    /// <summary>
    /// The <c>AttributeNamespace</c> of a SAML 1.1 attribute (whose <c>AttributeName</c> is
    /// <see cref="Name"/>), or <see langword="null"/> for SAML 2.0.
    /// </summary>
    public string? AttributeNamespace { get; init; }
}
