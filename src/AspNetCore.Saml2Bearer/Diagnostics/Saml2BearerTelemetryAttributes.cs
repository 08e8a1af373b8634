using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// The attribute names of every metric and span of the package: one set, the same on both, named after the
/// OpenTelemetry semantic conventions. The scheme is <c>aspnetcore.authentication.scheme</c>, as on ASP.NET
/// Core's own authentication metrics, so the two can be joined; a failure's class is <c>error.type</c>, set only
/// on failures; the rest is namespaced <c>saml2bearer.*</c>. Every value is bounded: configured names, enum
/// names, or a fixed list with <see cref="OtherErrorType"/> for anything else.
/// </summary>
internal static class Saml2BearerTelemetryAttributes
{
    /// <summary>The authentication scheme (the semantic conventions' attribute of ASP.NET Core authentication).</summary>
    public const string Scheme = "aspnetcore.authentication.scheme";

    /// <summary>The configured IdP whose assertion was validated; never set for a rejected assertion.</summary>
    public const string AssertionIssuer = "saml2bearer.assertion.issuer";

    /// <summary>Whether the assertion was found among validated ones (a boolean).</summary>
    public const string FastPath = "saml2bearer.assertion.fast_path";

    /// <summary>Where a token came from: <c>memory</c>, <c>distributed</c>, <c>exchanged</c>, <c>joined_exchange</c>.</summary>
    public const string TokenSource = "saml2bearer.token.source";

    /// <summary>The class of an exchange's outcome, which decides the answer: <c>success</c>, <c>invalid_grant</c>, <c>client_error</c>, <c>service_unavailable</c>.</summary>
    public const string ExchangeOutcome = "saml2bearer.exchange.outcome";

    /// <summary>The semantic conventions' failure class: a rejection reason, or an exchange's error code.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The semantic conventions' value for an error code outside the known list.</summary>
    public const string OtherErrorType = "_OTHER";

    /// <summary>The <c>error.type</c> of an exchange that threw.</summary>
    public const string UnexpectedErrorType = "unexpected_error";

    private static readonly HashSet<string> KnownExchangeErrors = new(StringComparer.Ordinal)
    {
        "invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope", "unsupported_grant_type", "invalid_request", "invalid_target",
        "temporarily_unavailable", "server_error", "invalid_response", "invalid_token_response", UnexpectedErrorType,
    };

    /// <summary>The <c>error.type</c> of a failed exchange: its error code when it is a known one, else <see cref="OtherErrorType"/>.</summary>
    public static string ExchangeErrorType(string? error) =>
        error is not null && KnownExchangeErrors.Contains(error) ? error : OtherErrorType;

    /// <summary>The <c>saml2bearer.exchange.outcome</c> of a status.</summary>
    public static string ExchangeOutcomeOf(Saml2BearerTokenResultStatus status) => status switch
    {
        Saml2BearerTokenResultStatus.Success => "success",
        Saml2BearerTokenResultStatus.InvalidGrant => "invalid_grant",
        Saml2BearerTokenResultStatus.ClientError => "client_error",
        _ => "service_unavailable",
    };
}
