namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>Where the assertion of a request came from.</summary>
internal enum Saml2BearerCredentialSource
{
    /// <summary>The request carries none.</summary>
    None,

    /// <summary>The configured header (<c>Authorization: SAML ...</c>) or, when allowed, the form field.</summary>
    HeaderOrFormField,

    /// <summary>The <c>wsse:Security</c> header of a SOAP envelope in the body.</summary>
    SoapSecurityHeader,

    /// <summary>Supplied by <c>Events.MessageReceived</c>.</summary>
    MessageReceived,
}
