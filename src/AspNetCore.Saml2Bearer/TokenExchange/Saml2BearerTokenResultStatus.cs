namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The outcome class of a token exchange, which decides the HTTP answer to the caller.
/// </summary>
public enum Saml2BearerTokenResultStatus
{
    /// <summary>The server issued a token.</summary>
    Success = 0,

    /// <summary>The server refused the assertion (<c>invalid_grant</c>): the caller gets 401.</summary>
    InvalidGrant = 1,

    /// <summary>
    /// The server refused this API as a client (<c>invalid_client</c>, <c>unauthorized_client</c>,
    /// <c>invalid_scope</c>, <c>unsupported_grant_type</c>, <c>invalid_request</c>): a configuration fault of
    /// this API, logged at Error; the caller, who cannot fix it, gets 503 with <c>Retry-After</c>.
    /// </summary>
    ClientError = 2,

    /// <summary>The server could not be reached, timed out, failed (5xx) or answered something unusable: the caller gets 503.</summary>
    ServiceUnavailable = 3,
}
