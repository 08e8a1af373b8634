namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>What reading a request body as a SOAP envelope found.</summary>
internal enum SoapEnvelopeOutcome
{
    /// <summary>The body is XML but not a SOAP envelope: no credential, nothing refused.</summary>
    NotAnEnvelope,

    /// <summary>A SOAP envelope without an assertion in a Security header for this node: no credential.</summary>
    NoAssertion,

    /// <summary>The one assertion of the one Security header for this node, detached.</summary>
    Assertion,

    /// <summary>The envelope breaks a rule; <see cref="SoapEnvelopeReadResult.FailureReason"/> says which.</summary>
    Rejected,
}
