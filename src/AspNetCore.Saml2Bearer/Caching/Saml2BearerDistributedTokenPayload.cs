using System.Buffers;
using System.Security.Claims;
using System.Text.Json;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The plaintext of a distributed cache entry, before Data Protection: the cache key it was written for
/// (so an entry copied under another key is refused), the absolute expiry, until when its refresh token may
/// renew it, the token response (with the refresh token) and the validated token claims, as compact JSON.
/// </summary>
internal static class Saml2BearerDistributedTokenPayload
{
    private const int FormatVersion = 1;

    public static byte[] Write(string key, Saml2BearerCachedToken token)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", FormatVersion);
            writer.WriteString("key", key);
            writer.WriteNumber("exp", token.ExpiresAt.ToUnixTimeMilliseconds());
            if (token.RenewableUntil is { } renewableUntil)
            {
                // Optional, so that entries without it read as before: the format version stays.
                writer.WriteNumber("renewable_until", renewableUntil.ToUnixTimeMilliseconds());
            }

            var response = token.Response;
            writer.WriteStartObject("response");
            writer.WriteString("access_token", response.AccessToken);
            writer.WriteString("token_type", response.TokenType);
            if (response.ExpiresIn is { } expiresIn)
            {
                writer.WriteNumber("expires_in_ms", (long)expiresIn.TotalMilliseconds);
            }

            WriteOptional(writer, "refresh_token", response.RefreshToken);
            WriteOptional(writer, "scope", response.Scope);
            WriteOptional(writer, "id_token", response.IdToken);
            writer.WriteStartObject("additional");
            foreach (var (name, value) in response.AdditionalParameters)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();

            writer.WriteStartArray("claims");
            foreach (var claim in token.TokenClaims)
            {
                writer.WriteStartObject();
                writer.WriteString("type", claim.Type);
                writer.WriteString("value", claim.Value);
                writer.WriteString("valueType", claim.ValueType);
                writer.WriteString("issuer", claim.Issuer);
                writer.WriteString("originalIssuer", claim.OriginalIssuer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a payload; <see langword="false"/> for anything that is not one this version wrote.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out string? key, out Saml2BearerCachedToken? token)
    {
        key = null;
        token = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.GetProperty("v").GetInt32() != FormatVersion)
            {
                return false;
            }

            var storedKey = root.GetProperty("key").GetString();
            var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("exp").GetInt64());
            DateTimeOffset? renewableUntil = root.TryGetProperty("renewable_until", out var renewable)
                ? DateTimeOffset.FromUnixTimeMilliseconds(renewable.GetInt64())
                : null;

            var response = root.GetProperty("response");
            var additional = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in response.GetProperty("additional").EnumerateObject())
            {
                additional[property.Name] = property.Value.Clone();
            }

            var accessToken = response.GetProperty("access_token").GetString();
            var tokenType = response.GetProperty("token_type").GetString();
            if (storedKey is null || string.IsNullOrEmpty(accessToken) || tokenType is null)
            {
                return false;
            }

            var tokenResponse = new Saml2BearerTokenResponse
            {
                AccessToken = accessToken,
                TokenType = tokenType,
                ExpiresIn = response.TryGetProperty("expires_in_ms", out var expiresIn) ? TimeSpan.FromMilliseconds(expiresIn.GetInt64()) : null,
                RefreshToken = ReadOptional(response, "refresh_token"),
                Scope = ReadOptional(response, "scope"),
                IdToken = ReadOptional(response, "id_token"),
                AdditionalParameters = additional,
            };

            var claims = new List<Claim>();
            foreach (var claim in root.GetProperty("claims").EnumerateArray())
            {
                claims.Add(new Claim(
                    claim.GetProperty("type").GetString()!,
                    claim.GetProperty("value").GetString()!,
                    claim.GetProperty("valueType").GetString(),
                    claim.GetProperty("issuer").GetString(),
                    claim.GetProperty("originalIssuer").GetString()));
            }

            key = storedKey;
            token = new Saml2BearerCachedToken(tokenResponse, expiresAt, claims, renewableUntil);
            return true;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
        {
            // Malformed: wrong JSON, a missing member or a member of the wrong kind (ArgumentNullException
            // from a null claim type or value, ArgumentOutOfRangeException from a bad timestamp).
            return false;
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? ReadOptional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetString() : null;
}
