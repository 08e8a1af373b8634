namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The SAML version of a validated assertion.
/// </summary>
public enum Saml2AssertionVersion
{
    /// <summary>SAML 2.0: <c>urn:oasis:names:tc:SAML:2.0:assertion</c>, <c>Version="2.0"</c>.</summary>
    Saml20 = 0,

    /// <summary>
    /// SAML 1.1: <c>urn:oasis:names:tc:SAML:1.0:assertion</c>, <c>MajorVersion="1" MinorVersion="1"</c>.
    /// Accepted only when <see cref="Saml2AssertionValidationParameters.AllowSaml11"/> is on.
    /// </summary>
    Saml11 = 1,
}
