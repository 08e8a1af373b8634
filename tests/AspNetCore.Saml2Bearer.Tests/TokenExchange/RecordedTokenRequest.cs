using Microsoft.Extensions.Primitives;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

/// <summary>One request the loopback authorization server received, as it arrived on the wire.</summary>
public sealed class RecordedTokenRequest
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    public required string? ContentType { get; init; }

    public required string? Accept { get; init; }

    public required string? Authorization { get; init; }

    /// <summary>The body exactly as sent, before form decoding.</summary>
    public required string RawBody { get; init; }

    /// <summary>The decoded form fields; a field sent twice has two values.</summary>
    public required IReadOnlyDictionary<string, StringValues> Form { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The single value of a form field; fails the test when it was sent more than once.</summary>
    public string? Field(string name)
    {
        if (!Form.TryGetValue(name, out var values))
        {
            return null;
        }

        Assert.Single(values);
        return values[0];
    }
}
