namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>How <see cref="FaultyAuthorizationServer"/>'s token endpoint answers.</summary>
public enum TokenEndpointFault
{
    /// <summary>A token response: an opaque token, or a JWT signed with the published key when JWTs are on.</summary>
    None,

    /// <summary>Accepts the request and never answers (until the caller gives up or the server stops).</summary>
    Hang,

    /// <summary>HTTP 500 with an HTML body.</summary>
    InternalServerError,

    /// <summary>HTTP 503 with <c>Retry-After: 7</c>.</summary>
    ServiceUnavailable,

    /// <summary>HTTP 200, <c>application/json</c>, a body that is not JSON.</summary>
    InvalidJson,

    /// <summary>HTTP 200, <c>application/json</c>, a 10 MB body (a token response with a huge token).</summary>
    TenMegabyteBody,

    /// <summary>A well-formed token response whose JWT access token is signed by a key the JWKS never publishes.</summary>
    JwtSignedByUnknownKey,
}
