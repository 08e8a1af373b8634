using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>The outcome of <see cref="SoapEnvelopeReader.Read"/>.</summary>
/// <param name="Outcome">What was found.</param>
/// <param name="FailureReason">Why the envelope was refused, or <see cref="Saml2AssertionFailureReason.None"/>.</param>
/// <param name="AssertionXml">The detached assertion's bytes, as if it had come alone; only with <see cref="SoapEnvelopeOutcome.Assertion"/>.</param>
/// <param name="Envelope">The parsed envelope, when it is one of the expected version.</param>
/// <param name="SecurityHeader">The Security header for this node that held the assertion, or <see langword="null"/>.</param>
internal readonly record struct SoapEnvelopeReadResult(
    SoapEnvelopeOutcome Outcome,
    Saml2AssertionFailureReason FailureReason,
    byte[]? AssertionXml,
    XmlDocument? Envelope,
    XmlElement? SecurityHeader)
{
    /// <summary>
    /// The detached assertion as a document, already loaded securely, that <see cref="AssertionXml"/> was
    /// written from; only with <see cref="SoapEnvelopeOutcome.Assertion"/>.
    /// </summary>
    public XmlDocument? AssertionDocument { get; init; }

    public static SoapEnvelopeReadResult Reject(Saml2AssertionFailureReason reason) => new(SoapEnvelopeOutcome.Rejected, reason, null, null, null);
}
