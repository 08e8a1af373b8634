using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tests.Logging;

/// <summary>One log entry as a provider saw it: the formatted message, the exception and the structured values.</summary>
public sealed record CapturedLogEntry(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    Exception? Exception,
    IReadOnlyList<KeyValuePair<string, object?>> State)
{
    /// <summary>
    /// Everything a sink could write, on one line: level, category, <c>[id:name]</c>, message, every
    /// structured value and the exception.
    /// </summary>
    public string AllText =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{Level} {Category} [{EventId.Id}:{EventId.Name}] {Message} | {string.Join("; ", State.Select(pair => $"{pair.Key}={pair.Value}"))} | {Exception}");

    /// <inheritdoc />
    public override string ToString() => AllText;
}
