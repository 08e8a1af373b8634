namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Fixed descriptions of the failure reasons. None of them holds text from the assertion.
/// </summary>
internal static class Saml2AssertionFailureMessages
{
    public static string Describe(Saml2AssertionFailureReason reason) => reason switch
    {
        Saml2AssertionFailureReason.None => "The assertion is valid.",
        Saml2AssertionFailureReason.EncodedSizeExceeded => "The encoded assertion is too large.",
        Saml2AssertionFailureReason.DecodedSizeExceeded => "The decoded assertion is too large.",
        Saml2AssertionFailureReason.InvalidEncoding => "The assertion is not valid base64, base64url or DEFLATE data.",
        Saml2AssertionFailureReason.RawXmlNotAllowed => "The assertion must be encoded.",
        Saml2AssertionFailureReason.MalformedXml => "The assertion is not a well-formed XML document without a DTD.",
        Saml2AssertionFailureReason.DepthExceeded => "The assertion nests elements too deeply.",
        Saml2AssertionFailureReason.DocumentElementNotAssertion => "The document element is not a SAML 2.0 assertion.",
        Saml2AssertionFailureReason.ResponseWrapperNotAllowed => "A SAML protocol response is not accepted; send the assertion itself.",
        Saml2AssertionFailureReason.MultipleAssertions => "The document holds more than one assertion.",
        Saml2AssertionFailureReason.DuplicateId => "The document holds duplicate identifiers.",
        Saml2AssertionFailureReason.MalformedAssertion => "The assertion does not follow the SAML 2.0 schema.",
        Saml2AssertionFailureReason.UnsupportedVersion => "The assertion version is not 2.0.",
        Saml2AssertionFailureReason.IdMissing => "The assertion has no ID.",
        Saml2AssertionFailureReason.IssueInstantMissing => "The assertion has no IssueInstant.",
        Saml2AssertionFailureReason.InvalidDateTime => "The assertion holds an invalid date-time value.",
        Saml2AssertionFailureReason.SignatureMissing => "The assertion is not signed.",
        Saml2AssertionFailureReason.MultipleSignatures => "The document holds more than one signature.",
        Saml2AssertionFailureReason.SignatureNotChildOfAssertion => "The signature is not a direct child of the assertion.",
        Saml2AssertionFailureReason.MalformedSignature => "The signature does not follow the XML signature schema.",
        Saml2AssertionFailureReason.ReferenceCountInvalid => "The signature must hold exactly one reference.",
        Saml2AssertionFailureReason.ReferenceNotAssertion => "The signature does not reference the assertion.",
        Saml2AssertionFailureReason.UnsupportedTransform => "The signature uses a transform that is not allowed.",
        Saml2AssertionFailureReason.UnsupportedCanonicalizationMethod => "The signature uses a canonicalization method that is not allowed.",
        Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm => "The signature algorithm is not allowed.",
        Saml2AssertionFailureReason.UnsupportedDigestAlgorithm => "The digest algorithm is not allowed.",
        Saml2AssertionFailureReason.DigestMismatch => "The assertion was altered after it was signed.",
        Saml2AssertionFailureReason.SignatureInvalid => "The signature is not valid for the issuer's keys.",
        Saml2AssertionFailureReason.SigningKeyNotTrusted => "The assertion is signed with a key that is not trusted.",
        Saml2AssertionFailureReason.IssuerKeyMismatch => "The assertion is signed with a key of another issuer.",
        Saml2AssertionFailureReason.IssuerMissing => "The assertion has no issuer.",
        Saml2AssertionFailureReason.IssuerNotTrusted => "The assertion's issuer is not trusted.",
        Saml2AssertionFailureReason.SubjectMissing => "The assertion has no subject.",
        Saml2AssertionFailureReason.NameIdMissing => "The assertion's subject has no NameID.",
        Saml2AssertionFailureReason.AudienceRestrictionMissing => "The assertion has no audience restriction.",
        Saml2AssertionFailureReason.AudienceInvalid => "The assertion is not intended for this audience.",
        Saml2AssertionFailureReason.BearerConfirmationMissing => "The assertion has no bearer subject confirmation.",
        Saml2AssertionFailureReason.RecipientMissing => "The bearer subject confirmation has no recipient.",
        Saml2AssertionFailureReason.RecipientInvalid => "The bearer subject confirmation is for another recipient.",
        Saml2AssertionFailureReason.SubjectConfirmationExpiryMissing => "The bearer subject confirmation has no expiry.",
        Saml2AssertionFailureReason.SubjectConfirmationExpired => "The bearer subject confirmation is not valid now.",
        Saml2AssertionFailureReason.ExpiryMissing => "The assertion has no expiry.",
        Saml2AssertionFailureReason.Expired => "The assertion has expired.",
        Saml2AssertionFailureReason.NotYetValid => "The assertion is not yet valid.",
        Saml2AssertionFailureReason.LifetimeTooLong => "The assertion's lifetime is longer than allowed.",
        Saml2AssertionFailureReason.UnsupportedCondition => "The assertion holds a condition that is not understood.",
        _ => "The assertion is not valid.",
    };
}
