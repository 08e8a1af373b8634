namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

/// <summary>One measurement of an instrument, with its tags.</summary>
public sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags)
{
    public string? Tag(string name) => Tags.TryGetValue(name, out var value) ? value : null;
}
