namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The encodings in which a caller may send an assertion.
/// </summary>
[Flags]
public enum Saml2AssertionEncodings
{
    /// <summary>No encoding is accepted.</summary>
    None = 0,
    /// <summary>Standard base64 (RFC 4648 section 4), with or without padding.</summary>
    Base64 = 1,
    /// <summary>base64url (RFC 4648 section 5), with or without padding, as RFC 7522 prescribes.</summary>
    Base64Url = 2,
    /// <summary>Raw DEFLATE (RFC 1951) inside base64 or base64url, as Apache CXF's SAML header sends it.</summary>
    Deflate = 4,
    /// <summary>The XML itself, not encoded. Off by default.</summary>
    RawXml = 8,
    /// <summary>The encodings accepted by default: base64, base64url and DEFLATE.</summary>
    Default = Base64 | Base64Url | Deflate,
}
