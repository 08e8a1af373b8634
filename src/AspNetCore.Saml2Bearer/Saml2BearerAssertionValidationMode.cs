namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Whether the API validates the assertion itself before exchanging it.
/// </summary>
public enum Saml2BearerAssertionValidationMode
{
    /// <summary>
    /// Full local validation (signature, issuer, audience, recipient, times) before the exchange. The
    /// default, and the only mode in which the principal is built from the assertion.
    /// </summary>
    Full = 0,

    /// <summary>
    /// For assertions the API cannot check (e.g. encrypted for the authorization server): the assertion
    /// is forwarded as is, cached only by the hash of its exact bytes, and the principal comes only from
    /// what the authorization server vouches for (a JWT validated against its JWKS). Requires
    /// <see cref="Saml2BearerOptions.Authority"/>.
    /// </summary>
    TrustAuthorizationServer = 1,
}
