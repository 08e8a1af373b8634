using System.Globalization;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Parses the JSON bodies a token endpoint answers: a token response (RFC 6749 section 5.1) or an error
/// response (section 5.2). Strict where laxness would be unsafe: the body is one JSON object without
/// duplicate members, and the modelled members have the types the RFC gives them.
/// </summary>
internal static class TokenEndpointResponseParser
{
    // Nearly 68 years; a larger lifetime is nonsense and would overflow expiry arithmetic downstream.
    private const double MaximumExpiresInSeconds = int.MaxValue;

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    /// <summary>Parses a successful token response; on failure <paramref name="reason"/> says why, in fixed words.</summary>
    public static bool TryParseTokenResponse(ReadOnlyMemory<byte> body, out Saml2BearerTokenResponse? response, out string? reason)
    {
        response = null;
        if (!TryParseObject(body, out var document, out reason))
        {
            return false;
        }

        using (document)
        {
            string? accessToken = null, tokenType = null, refreshToken = null, scope = null, idToken = null;
            TimeSpan? expiresIn = null;
            var additional = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

            foreach (var member in document!.RootElement.EnumerateObject())
            {
                var ok = member.Name switch
                {
                    OAuthParameterNames.AccessToken => TryReadString(member.Value, out accessToken),
                    OAuthParameterNames.TokenType => TryReadString(member.Value, out tokenType),
                    OAuthParameterNames.RefreshToken => TryReadString(member.Value, out refreshToken),
                    OAuthParameterNames.Scope => TryReadString(member.Value, out scope),
                    OAuthParameterNames.IdToken => TryReadString(member.Value, out idToken),
                    OAuthParameterNames.ExpiresIn => TryReadExpiresIn(member.Value, out expiresIn),
                    _ => additional.TryAdd(member.Name, member.Value.Clone()),
                };

                if (!ok)
                {
                    reason = $"member '{member.Name}' has an invalid value";
                    return false;
                }
            }

            if (string.IsNullOrEmpty(accessToken))
            {
                reason = "access_token is missing or empty";
                return false;
            }

            if (string.IsNullOrEmpty(tokenType))
            {
                reason = "token_type is missing or empty";
                return false;
            }

            response = new Saml2BearerTokenResponse
            {
                AccessToken = accessToken,
                TokenType = tokenType,
                ExpiresIn = expiresIn,
                RefreshToken = refreshToken,
                Scope = scope,
                IdToken = idToken,
                AdditionalParameters = additional,
            };
            return true;
        }
    }

    /// <summary>
    /// Checks a parsed RFC 8693 token response (section 2.2.1) against what was requested, an access token:
    /// <c>issued_token_type</c> (required there) is <c>urn:ietf:params:oauth:token-type:access_token</c>, and
    /// <c>token_type</c> is not <c>N_A</c> (the RFC's value for a token not usable as an access token).
    /// <c>urn:ietf:params:oauth:token-type:jwt</c> is refused too: section 3 reserves it for a JWT as such (an RFC 7523
    /// grant for another server, say), which need not be an access token of this server. On failure
    /// <paramref name="reason"/> says why in fixed words; the server's value is never echoed.
    /// </summary>
    public static bool TryValidateIssuedTokenType(Saml2BearerTokenResponse response, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!response.AdditionalParameters.TryGetValue(OAuthParameterNames.IssuedTokenType, out var issued)
            || issued.ValueKind == JsonValueKind.Null)
        {
            reason = "issued_token_type is missing (RFC 8693 section 2.2.1 requires it)";
            return false;
        }

        if (issued.ValueKind != JsonValueKind.String)
        {
            reason = "issued_token_type is not a string";
            return false;
        }

        if (!string.Equals(issued.GetString(), TokenExchangeTypes.AccessTokenType, StringComparison.Ordinal))
        {
            reason = "issued_token_type is not the access_token type that was requested";
            return false;
        }

        if (string.Equals(response.TokenType, TokenExchangeTypes.NotApplicableTokenType, StringComparison.OrdinalIgnoreCase))
        {
            reason = "token_type is N_A: the issued token is not usable as an access token";
            return false;
        }

        reason = null;
        return true;
    }

    /// <summary>
    /// Parses an error response. Succeeds when the body is a JSON object whose <c>error</c> is a string;
    /// <c>error_description</c> is kept when it is a string.
    /// </summary>
    public static bool TryParseErrorResponse(ReadOnlyMemory<byte> body, out string? error, out string? errorDescription, out string? reason)
    {
        error = null;
        errorDescription = null;
        if (!TryParseObject(body, out var document, out reason))
        {
            return false;
        }

        using (document)
        {
            var root = document!.RootElement;
            if (!root.TryGetProperty(OAuthParameterNames.Error, out var errorElement)
                || errorElement.ValueKind != JsonValueKind.String
                || string.IsNullOrEmpty(errorElement.GetString()))
            {
                reason = "error is missing or not a string";
                return false;
            }

            error = errorElement.GetString();
            if (root.TryGetProperty(OAuthParameterNames.ErrorDescription, out var descriptionElement)
                && descriptionElement.ValueKind == JsonValueKind.String)
            {
                errorDescription = descriptionElement.GetString();
            }

            return true;
        }
    }

    private static bool TryParseObject(ReadOnlyMemory<byte> body, out JsonDocument? document, out string? reason)
    {
        document = null;

        // RFC 8259 section 8.1 lets a parser ignore a UTF-8 byte order mark; some servers send one.
        if (body.Span.StartsWith(Utf8ByteOrderMark))
        {
            body = body[Utf8ByteOrderMark.Length..];
        }

        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException)
        {
            reason = "the body is not JSON";
            return false;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            document = null;
            reason = "the body is not a JSON object";
            return false;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in document.RootElement.EnumerateObject())
        {
            if (!names.Add(member.Name))
            {
                document.Dispose();
                document = null;
                reason = "the JSON object has duplicate members";
                return false;
            }
        }

        reason = null;
        return true;
    }

    // A modelled member is a string; JSON null counts as absent.
    private static bool TryReadString(JsonElement element, out string? value)
    {
        value = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return element.ValueKind is JsonValueKind.String or JsonValueKind.Null;
    }

    // expires_in: a non-negative number of seconds, as a JSON number or (commonly) a numeric string.
    private static bool TryReadExpiresIn(JsonElement element, out TimeSpan? value)
    {
        value = null;
        double seconds;
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.Number when element.TryGetDouble(out seconds):
                break;
            case JsonValueKind.String when double.TryParse(element.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds):
                break;
            default:
                return false;
        }

        if (!double.IsFinite(seconds) || seconds < 0 || seconds > MaximumExpiresInSeconds)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
