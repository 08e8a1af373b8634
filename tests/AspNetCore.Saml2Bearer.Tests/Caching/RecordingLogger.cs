using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

/// <summary>A logger that keeps every entry, for tests that count logs or check what they say.</summary>
internal sealed class RecordingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

    public int Count(int eventId) => Entries.Count(e => e.EventId.Id == eventId);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
}
