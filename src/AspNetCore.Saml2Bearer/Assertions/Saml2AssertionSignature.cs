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

    public required string? SignedInfoPrefixList { get; init; }

    public required Saml2SignatureAlgorithm SignatureAlgorithm { get; init; }

    public required byte[] SignatureValue { get; init; }

    public required Saml2SignatureAlgorithm DigestAlgorithm { get; init; }

    public required byte[] DigestValue { get; init; }

    public required string? ReferencePrefixList { get; init; }

    /// <summary>SHA-256 hashes of the certificates the message's KeyInfo names: hints for diagnosis only, never trusted.</summary>
    public required IReadOnlyList<byte[]> KeyInfoCertificateHashes { get; init; }
}
