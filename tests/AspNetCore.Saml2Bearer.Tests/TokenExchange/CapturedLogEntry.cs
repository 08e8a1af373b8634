using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

/// <summary>One log entry as a provider saw it: the formatted text, the exception and the structured values.</summary>
public sealed record CapturedLogEntry(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    Exception? Exception,
    IReadOnlyList<KeyValuePair<string, object?>> State)
{
    /// <summary>Everything a sink could write: message, exception text and every structured value.</summary>
    public string AllText =>
        string.Join(
            "\n",
            new[] { Message, Exception?.ToString() ?? string.Empty }
                .Concat(State.Select(pair => $"{pair.Key}={pair.Value}")));
}
