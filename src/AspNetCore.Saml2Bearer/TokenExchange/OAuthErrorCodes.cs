namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The error codes of RFC 6749 section 5.2 (with RFC 8693's and RFC 8707's <c>invalid_target</c>), and the fixed local codes used when no usable answer came back.
/// </summary>
internal static class OAuthErrorCodes
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string UnauthorizedClient = "unauthorized_client";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string InvalidScope = "invalid_scope";

    /// <summary>RFC 8693 section 2.2.2 and RFC 8707: the <c>audience</c> or <c>resource</c> is unknown or not allowed.</summary>
    public const string InvalidTarget = "invalid_target";

    /// <summary>Local: the server could not be reached, timed out, or answered 5xx/429.</summary>
    public const string TemporarilyUnavailable = "temporarily_unavailable";

    /// <summary>Local: the server answered something this client cannot use.</summary>
    public const string InvalidResponse = "invalid_response";

    /// <summary>The longest error code kept from a server; a longer one is replaced by <see cref="InvalidResponse"/>.</summary>
    public const int MaximumErrorCodeLength = 100;

    /// <summary>
    /// Maps an error code of an RFC 6749 section 5.2 error response to the outcome class.
    /// </summary>
    public static Saml2BearerTokenResultStatus Classify(string error) => error switch
    {
        InvalidGrant => Saml2BearerTokenResultStatus.InvalidGrant,
        InvalidClient or UnauthorizedClient or UnsupportedGrantType or InvalidScope or InvalidRequest or InvalidTarget
            => Saml2BearerTokenResultStatus.ClientError,
        _ => Saml2BearerTokenResultStatus.ServiceUnavailable,
    };

    /// <summary>
    /// Whether <paramref name="error"/> has the syntax RFC 6749 section 5.2 allows
    /// (<c>%x20-21 / %x23-5B / %x5D-7E</c>) and a sane length, so it is safe to carry and log.
    /// </summary>
    public static bool IsWellFormed(string error)
    {
        if (error.Length is 0 or > MaximumErrorCodeLength)
        {
            return false;
        }

        foreach (var c in error)
        {
            if (c is < '\x20' or > '\x7E' or '"' or '\\')
            {
                return false;
            }
        }

        return true;
    }
}
