using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>The outcome of <see cref="SoapEnvelopeReader.Read"/>.</summary>
/// <param name="Outcome">What was found.</param>
/// <param name="FailureReason">Why the envelope was refused, or <see cref="Saml2AssertionFailureReason.None"/>.</param>
/// <param name="AssertionXml">The detached assertion's bytes, as if it had come alone; only with <see cref="SoapEnvelopeOutcome.Assertion"/>.</param>
internal readonly record struct SoapEnvelopeReadResult(
    SoapEnvelopeOutcome Outcome,
    Saml2AssertionFailureReason FailureReason,
    byte[]? AssertionXml)
{
    /// <summary>
    /// The detached assertion as a document, already loaded securely, that <see cref="AssertionXml"/> loads
    /// back into; only with <see cref="SoapEnvelopeOutcome.Assertion"/>.
    /// </summary>
    public XmlDocument? AssertionDocument { get; init; }

    /// <summary>
    /// Which element of the Header (counted from 0) is the Security header for this node, or
    /// <see langword="null"/>: what <see cref="SoapEnvelopeReader.WithoutSecurityHeader"/> removes.
    /// </summary>
    public int? SecurityHeaderIndex { get; init; }

    public static SoapEnvelopeReadResult Reject(Saml2AssertionFailureReason reason) => new(SoapEnvelopeOutcome.Rejected, reason, null);
}
