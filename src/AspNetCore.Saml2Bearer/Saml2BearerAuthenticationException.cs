using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Why SAML 2.0 bearer authentication failed. Its message is fixed text that never holds caller or
/// server input, so it is safe to log and to return in <c>error_description</c>.
/// </summary>
public sealed class Saml2BearerAuthenticationException : Exception
{
    /// <summary>Creates a failure.</summary>
    /// <param name="kind">The failure class.</param>
    /// <param name="message">A fixed description.</param>
    /// <param name="assertionFailureReason">The assertion's reason code, for <see cref="Saml2BearerFailureKind.AssertionRejected"/>.</param>
    /// <param name="retryAfter">For <see cref="Saml2BearerFailureKind.ServiceUnavailable"/>: when to retry.</param>
    public Saml2BearerAuthenticationException(Saml2BearerFailureKind kind, string message, Saml2AssertionFailureReason assertionFailureReason = Saml2AssertionFailureReason.None, TimeSpan? retryAfter = null)
        : base(message)
    {
        Kind = kind;
        AssertionFailureReason = assertionFailureReason;
        RetryAfter = retryAfter;
    }

    /// <summary>Creates a failure of kind <see cref="Saml2BearerFailureKind.RejectedByEvent"/>.</summary>
    public Saml2BearerAuthenticationException()
        : this(Saml2BearerFailureKind.RejectedByEvent, "The request was rejected.")
    {
    }

    /// <summary>Creates a failure of kind <see cref="Saml2BearerFailureKind.RejectedByEvent"/>.</summary>
    /// <param name="message">A fixed description.</param>
    public Saml2BearerAuthenticationException(string message)
        : this(Saml2BearerFailureKind.RejectedByEvent, message)
    {
    }

    /// <summary>Creates a failure of kind <see cref="Saml2BearerFailureKind.RejectedByEvent"/>.</summary>
    /// <param name="message">A fixed description.</param>
    /// <param name="innerException">The cause.</param>
    public Saml2BearerAuthenticationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = Saml2BearerFailureKind.RejectedByEvent;
    }

    /// <summary>The failure class.</summary>
    public Saml2BearerFailureKind Kind { get; }

    /// <summary>The assertion's reason code, or <see cref="Saml2AssertionFailureReason.None"/>.</summary>
    public Saml2AssertionFailureReason AssertionFailureReason { get; }

    /// <summary>When to retry, for service faults.</summary>
    public TimeSpan? RetryAfter { get; }
}
