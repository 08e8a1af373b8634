using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

/// <summary>
/// Listens to the package's meter created by one <see cref="IMeterFactory"/> (one host), so that tests
/// running in parallel with other hosts do not see each other's measurements.
/// </summary>
public sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();

    public MeasurementRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Saml2BearerDefaults.DiagnosticsName && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<RecordedMeasurement> Measurements => _measurements.ToArray();

    public IReadOnlyList<RecordedMeasurement> Of(string instrument) =>
        _measurements.Where(m => m.Instrument == instrument).ToArray();

    /// <summary>The sum of a counter's measurements whose tags include every given pair.</summary>
    public double Sum(string instrument, params (string Name, string Value)[] tags) =>
        Of(instrument).Where(m => tags.All(t => m.Tag(t.Name) == t.Value)).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct, IConvertible
    {
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
        }

        _measurements.Enqueue(new RecordedMeasurement(instrument.Name, value.ToDouble(CultureInfo.InvariantCulture), copy));
    }
}
