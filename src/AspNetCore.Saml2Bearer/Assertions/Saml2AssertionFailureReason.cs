namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Why an assertion was rejected. The values are stable: they appear in logs, metrics and events.
/// </summary>
public enum Saml2AssertionFailureReason
{
    /// <summary>The assertion was accepted.</summary>
    None = 0,

    // Decoding (1xx)

    /// <summary>The encoded assertion is longer than <see cref="Saml2AssertionValidationParameters.MaximumEncodedLength"/>.</summary>
    EncodedSizeExceeded = 100,
    /// <summary>The decoded (or inflated) assertion is larger than <see cref="Saml2AssertionValidationParameters.MaximumDecodedLength"/>.</summary>
    DecodedSizeExceeded = 101,
    /// <summary>The value is not valid base64, base64url or DEFLATE data, or is empty.</summary>
    InvalidEncoding = 102,
    /// <summary>The value is raw XML and <see cref="Saml2AssertionEncodings.RawXml"/> is not allowed.</summary>
    RawXmlNotAllowed = 103,

    // XML parsing (2xx)

    /// <summary>The document is not well-formed XML, has more than one root, a DTD, or exceeds the parser limits.</summary>
    MalformedXml = 200,
    /// <summary>The document nests elements deeper than <see cref="Saml2AssertionValidationParameters.MaximumElementDepth"/>.</summary>
    DepthExceeded = 201,

    // Structure (3xx)

    /// <summary>The document element is not a SAML 2.0 <c>Assertion</c> (or an allowed <c>Response</c> wrapper).</summary>
    DocumentElementNotAssertion = 300,
    /// <summary>The document is a <c>samlp:Response</c> and the Response wrapper is not enabled.</summary>
    ResponseWrapperNotAllowed = 301,
    /// <summary>The document holds more than one <c>Assertion</c> element.</summary>
    MultipleAssertions = 302,
    /// <summary>Two elements share an identifier (across the <c>AssertionID</c>, <c>ID</c>, <c>Id</c> and <c>id</c> spellings).</summary>
    DuplicateId = 303,
    /// <summary>The assertion's own content does not follow the SAML 2.0 schema (duplicate or misplaced elements, bad values).</summary>
    MalformedAssertion = 304,
    /// <summary>The <c>Version</c> attribute is missing or not <c>2.0</c> (SAML 1.1: <c>MajorVersion</c> not 1 or <c>MinorVersion</c> not 1).</summary>
    UnsupportedVersion = 305,
    /// <summary>The <c>ID</c> attribute (SAML 1.1: <c>AssertionID</c>) is missing or empty.</summary>
    IdMissing = 306,
    /// <summary>The <c>IssueInstant</c> attribute is missing.</summary>
    IssueInstantMissing = 307,
    /// <summary>A date-time value is not a valid <c>xs:dateTime</c>.</summary>
    InvalidDateTime = 308,
    /// <summary>The assertion is a SAML 1.1 assertion and <see cref="Saml2AssertionValidationParameters.AllowSaml11"/> is off.</summary>
    Saml11NotAllowed = 309,

    // Signature (4xx)

    /// <summary>The assertion carries no <c>ds:Signature</c>.</summary>
    SignatureMissing = 400,
    /// <summary>The document holds more than one <c>ds:Signature</c>.</summary>
    MultipleSignatures = 401,
    /// <summary>The signature is not a direct child of the assertion.</summary>
    SignatureNotChildOfAssertion = 402,
    /// <summary>The signature element does not follow the XML-DSig schema (missing or repeated SignedInfo, SignatureValue, DigestValue...).</summary>
    MalformedSignature = 403,
    /// <summary>The signature does not hold exactly one <c>Reference</c>.</summary>
    ReferenceCountInvalid = 404,
    /// <summary>The reference URI is not <c>#</c> followed by the assertion's ID.</summary>
    ReferenceNotAssertion = 405,
    /// <summary>A transform outside the allow-list (enveloped-signature, exclusive c14n) or more than two transforms.</summary>
    UnsupportedTransform = 406,
    /// <summary>The canonicalization method is not exclusive c14n.</summary>
    UnsupportedCanonicalizationMethod = 407,
    /// <summary>The signature method is not allowed (SHA-1 without opt-in, HMAC, or unknown).</summary>
    UnsupportedSignatureAlgorithm = 408,
    /// <summary>The digest method is not allowed (SHA-1 without opt-in, or unknown).</summary>
    UnsupportedDigestAlgorithm = 409,
    /// <summary>The digest of the assertion does not match the signed DigestValue: the content was altered after signing.</summary>
    DigestMismatch = 410,
    /// <summary>The signature value does not verify with any key trusted for the issuer.</summary>
    SignatureInvalid = 411,
    /// <summary>The signature does not verify, and the certificate the message names is not trusted for any issuer.</summary>
    SigningKeyNotTrusted = 412,
    /// <summary>The message names a key trusted for a different issuer than the assertion's Issuer.</summary>
    IssuerKeyMismatch = 413,
    /// <summary>
    /// The signature is a direct child of the assertion but not where the schema puts it: right after
    /// <c>Issuer</c> in SAML 2.0, the last child in SAML 1.1.
    /// </summary>
    SignatureMisplaced = 414,

    // Semantics, RFC 7522 section 3 and SAML core (5xx)

    /// <summary>The assertion has no <c>Issuer</c>, or it is empty.</summary>
    IssuerMissing = 500,
    /// <summary>The issuer is not a configured identity provider.</summary>
    IssuerNotTrusted = 501,
    /// <summary>The assertion has no <c>Subject</c>.</summary>
    SubjectMissing = 502,
    /// <summary>The subject has no <c>NameID</c>, or it is empty.</summary>
    NameIdMissing = 503,
    /// <summary>The assertion has no <c>AudienceRestriction</c>.</summary>
    AudienceRestrictionMissing = 504,
    /// <summary>An <c>AudienceRestriction</c> names no valid audience.</summary>
    AudienceInvalid = 505,
    /// <summary>No <c>SubjectConfirmation</c> uses the bearer method.</summary>
    BearerConfirmationMissing = 506,
    /// <summary>The bearer confirmation has no <c>Recipient</c>.</summary>
    RecipientMissing = 507,
    /// <summary>The bearer confirmation's <c>Recipient</c> is not a valid recipient.</summary>
    RecipientInvalid = 508,
    /// <summary>The bearer confirmation has no <c>NotOnOrAfter</c>.</summary>
    SubjectConfirmationExpiryMissing = 509,
    /// <summary>The bearer confirmation's <c>NotOnOrAfter</c> has passed, or its <c>NotBefore</c> is in the future.</summary>
    SubjectConfirmationExpired = 510,
    /// <summary>The assertion has no <c>NotOnOrAfter</c> at all.</summary>
    ExpiryMissing = 511,
    /// <summary>The conditions' <c>NotOnOrAfter</c> has passed (with the clock skew).</summary>
    Expired = 512,
    /// <summary>The conditions' <c>NotBefore</c> or the <c>IssueInstant</c> is in the future (with the clock skew).</summary>
    NotYetValid = 513,
    /// <summary>The assertion's lifetime exceeds <see cref="Saml2AssertionValidationParameters.MaximumLifetime"/>.</summary>
    LifetimeTooLong = 514,
    /// <summary>The conditions hold a condition type this validator does not understand.</summary>
    UnsupportedCondition = 515,
    /// <summary>A SAML 1.1 statement's subject is confirmed only by holder-of-key or sender-vouches, not bearer.</summary>
    SubjectConfirmationNotBearer = 516,
    /// <summary>The statements of a SAML 1.1 assertion name different subjects (NameIdentifier value, Format or NameQualifier).</summary>
    SubjectMismatch = 517,
    /// <summary>
    /// An assertion carrying the <c>OneTimeUse</c> condition was presented again while
    /// <see cref="Saml2AssertionValidationParameters.EnforceOneTimeUse"/> is on.
    /// </summary>
    OneTimeUseReplayed = 518,

    // SOAP envelopes carrying the assertion in a WS-Security header (6xx)

    /// <summary>The SOAP envelope is larger than <see cref="Saml2BearerOptions.MaximumSoapEnvelopeSize"/>; it was not parsed.</summary>
    SoapEnvelopeTooLarge = 600,
    /// <summary>The SOAP envelope is not well-formed XML, holds a DTD or an entity, or lacks the Body the SOAP schema requires.</summary>
    SoapEnvelopeMalformed = 601,
    /// <summary>The SOAP envelope nests elements deeper than the configured maximum.</summary>
    SoapEnvelopeTooDeep = 602,
    /// <summary>The envelope's namespace is not the SOAP version the Content-Type announces.</summary>
    SoapVersionMismatch = 603,
    /// <summary>More than one <c>wsse:Security</c> header is addressed to this node.</summary>
    SoapMultipleSecurityHeaders = 604,
    /// <summary>The <c>wsse:Security</c> header holds more than one assertion as a direct child.</summary>
    SoapMultipleAssertions = 605,
    /// <summary>An assertion sits inside the <c>wsse:Security</c> header but not as its direct child (wrapped, or in a <c>wsse:BinarySecurityToken</c>).</summary>
    SoapAssertionNotDirectChild = 606,
    /// <summary>The SOAP Body holds an assertion: the Body is never a credential.</summary>
    SoapAssertionInBody = 607,
    /// <summary>The <c>wsse:Security</c> header holds an <c>EncryptedAssertion</c>, which is not supported.</summary>
    SoapEncryptedAssertion = 608,
    /// <summary>The <c>mustUnderstand</c> attribute of the <c>wsse:Security</c> header is not a boolean of the envelope's SOAP version.</summary>
    SoapInvalidMustUnderstand = 609,
}
