using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// What an extractor found: the assertion as the caller encoded it (header, form field, event), or its
/// XML bytes (a SOAP envelope already holds XML), where it came from, or why the input was refused.
/// </summary>
/// <param name="Source">Where the assertion came from.</param>
/// <param name="Encoded">The encoded assertion, to be decoded; empty when <paramref name="Xml"/> is set.</param>
/// <param name="Xml">The assertion's XML bytes, not to be decoded, or <see langword="null"/>.</param>
/// <param name="FailureReason">Why the input was refused, or <see cref="Saml2AssertionFailureReason.None"/>.</param>
internal readonly record struct Saml2BearerCredential(
    Saml2BearerCredentialSource Source,
    ReadOnlyMemory<char> Encoded,
    byte[]? Xml,
    Saml2AssertionFailureReason FailureReason)
{
    /// <summary>The request carries no credential.</summary>
    public static Saml2BearerCredential None => default;

    /// <summary>Whether there is neither an assertion nor a refusal.</summary>
    public bool IsEmpty => FailureReason == Saml2AssertionFailureReason.None && Xml is null && Encoded.IsEmpty;

    public static Saml2BearerCredential FromEncoded(Saml2BearerCredentialSource source, ReadOnlyMemory<char> encoded) =>
        encoded.IsEmpty ? None : new(source, encoded, null, Saml2AssertionFailureReason.None);

    /// <summary>
    /// The document <see cref="Xml"/> was written from, already loaded with the validator's discipline
    /// (see <see cref="Saml2AssertionValidator.ValidateLoadedAsync"/>), or <see langword="null"/>.
    /// </summary>
    public XmlDocument? Document { get; init; }

    public static Saml2BearerCredential FromXml(Saml2BearerCredentialSource source, byte[] xml) =>
        new(source, default, xml, Saml2AssertionFailureReason.None);

    public static Saml2BearerCredential FromXml(Saml2BearerCredentialSource source, byte[] xml, XmlDocument? document) =>
        new(source, default, xml, Saml2AssertionFailureReason.None) { Document = document };

    public static Saml2BearerCredential Refused(Saml2BearerCredentialSource source, Saml2AssertionFailureReason reason) =>
        new(source, default, null, reason);
}
