using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tests.Logging;

/// <summary>
/// Keeps every log entry (message, structured values, exception) and every scope of every category in
/// memory, at every level: for tests that count events or check that no secret was logged. Add it to a
/// host's logging, or hand <see cref="CreateLogger"/>'s logger to a type under test.
/// </summary>
public sealed class InMemoryLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLogEntry> _entries = new();
    private readonly ConcurrentQueue<string> _scopes = new();

    /// <summary>The entries logged so far, in order.</summary>
    public IReadOnlyList<CapturedLogEntry> Entries => _entries.ToArray();

    /// <summary>The scopes begun so far, each as its category and values.</summary>
    public IReadOnlyList<string> Scopes => _scopes.ToArray();

    /// <summary>Everything logged (every entry's <see cref="CapturedLogEntry.AllText"/> and every scope), as one text.</summary>
    public string AllText => string.Join('\n', _entries.Select(entry => entry.AllText).Concat(_scopes));

    /// <summary>How many entries have the event id <paramref name="eventId"/>.</summary>
    public int Count(int eventId) => _entries.Count(entry => entry.EventId.Id == eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(InMemoryLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            provider._scopes.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{category} scope: {Describe(state)}"));
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            provider._entries.Enqueue(new CapturedLogEntry(category, logLevel, eventId, formatter(state, exception), exception, values.ToArray()));
        }

        private static string Describe(object? state) =>
            state is IEnumerable<KeyValuePair<string, object?>> values
                ? string.Join("; ", values.Select(pair => $"{pair.Key}={pair.Value}"))
                : state?.ToString() ?? string.Empty;
    }
}
