using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The parts of an assertion's enveloped <c>ds:Signature</c>, after every structural and allow-list
/// check has passed.
/// </summary>
internal sealed class Saml2AssertionSignature
{
    public required XmlElement SignatureElement { get; init; }

    public required XmlElement SignedInfo { get; init; }

    public required bool SignedInfoIncludesComments { get; init; }

    /// <summary>The InclusiveNamespaces prefixes of SignedInfo's CanonicalizationMethod, <c>#default</c> as the empty string.</summary>
    public required IReadOnlyList<string> SignedInfoInclusivePrefixes { get; init; }

    public required Saml2SignatureAlgorithm SignatureAlgorithm { get; init; }

    public required byte[] SignatureValue { get; init; }

    public required Saml2SignatureAlgorithm DigestAlgorithm { get; init; }

    public required byte[] DigestValue { get; init; }

    /// <summary>The InclusiveNamespaces prefixes of the Reference's exclusive c14n transform, <c>#default</c> as the empty string.</summary>
    public required IReadOnlyList<string> ReferenceInclusivePrefixes { get; init; }

    /// <summary>The message's KeyInfo: a hint for diagnosis only, never a key source.</summary>
    public required XmlElement? KeyInfo { get; init; }
}
