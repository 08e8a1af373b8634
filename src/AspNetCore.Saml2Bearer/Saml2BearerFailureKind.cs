namespace AspNetCore.Saml2Bearer;

/// <summary>
/// The class of an authentication failure; it decides the response (401 or 503).
/// </summary>
public enum Saml2BearerFailureKind
{
    /// <summary>The assertion failed local validation: 401 <c>invalid_token</c>, the token service is not called.</summary>
    AssertionRejected = 0,

    /// <summary>The authorization server refused the assertion (<c>invalid_grant</c>): 401 <c>invalid_token</c>.</summary>
    GrantRejected = 1,

    /// <summary>
    /// The authorization server refused this API as a client (<c>invalid_client</c>, <c>unauthorized_client</c>,
    /// <c>invalid_scope</c>, <c>unsupported_grant_type</c>, <c>invalid_request</c>): a misconfiguration of this API
    /// that the caller cannot fix, answered 503 with <c>Retry-After</c> (no <c>invalid_token</c>) and logged at Error.
    /// </summary>
    ClientRejected = 2,

    /// <summary>The authorization server is unreachable, failing or answered something unusable: 503 with <c>Retry-After</c>.</summary>
    ServiceUnavailable = 3,

    /// <summary>An event rejected the request: 401 <c>invalid_token</c>.</summary>
    RejectedByEvent = 4,
}
