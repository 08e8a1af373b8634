namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The result of a token exchange: a token response, or a typed failure (RFC 6749 section 5.2).
/// </summary>
public sealed class Saml2BearerTokenResult
{
    private Saml2BearerTokenResult(Saml2BearerTokenResultStatus status, Saml2BearerTokenResponse? response, string? error, string? errorDescription, TimeSpan? retryAfter)
    {
        Status = status;
        Response = response;
        Error = error;
        ErrorDescription = errorDescription;
        RetryAfter = retryAfter;
    }

    private Saml2BearerTokenResult(Saml2BearerTokenResult logged)
        : this(logged.Status, logged.Response, logged.Error, logged.ErrorDescription, logged.RetryAfter)
    {
        IsLogged = true;
    }

    /// <summary>The outcome class.</summary>
    public Saml2BearerTokenResultStatus Status { get; }

    /// <summary>The token response when <see cref="Status"/> is <see cref="Saml2BearerTokenResultStatus.Success"/>.</summary>
    public Saml2BearerTokenResponse? Response { get; }

    /// <summary>
    /// The OAuth error code the server sent, or a fixed local code (<c>temporarily_unavailable</c>,
    /// <c>invalid_response</c>) for faults that never reached an answer. Safe to log; never shown to callers.
    /// </summary>
    public string? Error { get; }

    /// <summary>The server's <c>error_description</c>. Server-controlled text: log it truncated, never echo it.</summary>
    public string? ErrorDescription { get; }

    /// <summary>How long the caller should wait before retrying, for <see cref="Saml2BearerTokenResultStatus.ServiceUnavailable"/>.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// Whether the failure was logged, with its detail, where it happened (the default token service, or the
    /// handler's own token checks). The handler logs a failure that was not (one from a custom
    /// <see cref="ISaml2BearerTokenService"/>) once at its level, and its own answer only at Debug.
    /// </summary>
    internal bool IsLogged { get; }

    /// <summary>A successful exchange.</summary>
    /// <param name="response">The token response.</param>
    /// <returns>The result.</returns>
    public static Saml2BearerTokenResult Success(Saml2BearerTokenResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new(Saml2BearerTokenResultStatus.Success, response, null, null, null);
    }

    /// <summary>A refusal or fault.</summary>
    /// <param name="status">The outcome class; not <see cref="Saml2BearerTokenResultStatus.Success"/>.</param>
    /// <param name="error">The OAuth error code or a fixed local code.</param>
    /// <param name="errorDescription">The server's description, if any.</param>
    /// <param name="retryAfter">For service faults: when to retry.</param>
    /// <returns>The result.</returns>
    public static Saml2BearerTokenResult Failure(Saml2BearerTokenResultStatus status, string error, string? errorDescription = null, TimeSpan? retryAfter = null)
    {
        if (status == Saml2BearerTokenResultStatus.Success)
        {
            throw new ArgumentOutOfRangeException(nameof(status), "A failure needs a failure status.");
        }

        ArgumentException.ThrowIfNullOrEmpty(error);
        return new(status, null, error, errorDescription, retryAfter);
    }

    /// <summary>A failure that its producer has already logged with its detail: see <see cref="IsLogged"/>.</summary>
    internal static Saml2BearerTokenResult LoggedFailure(Saml2BearerTokenResultStatus status, string error, string? errorDescription = null, TimeSpan? retryAfter = null) =>
        new(Failure(status, error, errorDescription, retryAfter));
}
