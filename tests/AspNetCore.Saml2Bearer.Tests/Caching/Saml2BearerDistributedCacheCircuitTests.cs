using AspNetCore.Saml2Bearer.Caching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

public sealed class Saml2BearerDistributedCacheCircuitTests : IDisposable
{
    private const int DistributedCacheUnavailable = 1100;
    private const int DistributedCacheRecovered = 1101;
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryLoggerProvider _logs = new();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public void ReportFailure_OneSlowCall_CacheStaysInUseAndNothingIsWarned()
    {
        var circuit = CreateCircuit();

        circuit.ReportFailure("read", new TimeoutException());

        Assert.True(circuit.AllowsCalls);
        Assert.False(circuit.InOutage);
        Assert.Equal(0, _logs.Count(DistributedCacheUnavailable));
    }

    [Fact]
    public void ReportFailure_ThresholdInARow_OpensForTheBreakAndWarnsOnce()
    {
        var circuit = CreateCircuit();

        for (var i = 0; i < Saml2BearerDistributedCacheCircuit.DefaultFailureThreshold + 2; i++)
        {
            circuit.ReportFailure("read", new TimeoutException());
        }

        Assert.False(circuit.AllowsCalls);
        Assert.True(circuit.InOutage);
        Assert.Equal(1, _logs.Count(DistributedCacheUnavailable));
        _time.Advance(BreakDuration - TimeSpan.FromMilliseconds(1));
        Assert.False(circuit.AllowsCalls);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(circuit.AllowsCalls);
    }

    [Fact]
    public void ReportSuccess_BetweenFailures_TheCountStartsAgain()
    {
        // Slow calls scattered among good ones (CPU saturation) are not an outage.
        var circuit = CreateCircuit();

        for (var i = 0; i < 10; i++)
        {
            circuit.ReportFailure("read", new TimeoutException());
            circuit.ReportFailure("write", new TimeoutException());
            circuit.ReportSuccess();
        }

        Assert.True(circuit.AllowsCalls);
        Assert.Equal(0, _logs.Count(DistributedCacheUnavailable));
    }

    [Fact]
    public void ReportFailure_FirstCallAfterTheBreakFails_OpensAgainAtOnce()
    {
        var circuit = CreateCircuit();
        for (var i = 0; i < Saml2BearerDistributedCacheCircuit.DefaultFailureThreshold; i++)
        {
            circuit.ReportFailure("read", new TimeoutException());
        }

        _time.Advance(BreakDuration);
        circuit.ReportFailure("read", new TimeoutException());

        Assert.False(circuit.AllowsCalls);
        Assert.Equal(1, _logs.Count(DistributedCacheUnavailable));
    }

    [Fact]
    public void ReportSuccess_AfterAnOutage_RecoversOnceAndNeedsTheThresholdAgain()
    {
        var circuit = CreateCircuit();
        for (var i = 0; i < Saml2BearerDistributedCacheCircuit.DefaultFailureThreshold; i++)
        {
            circuit.ReportFailure("read", new TimeoutException());
        }

        _time.Advance(BreakDuration);
        circuit.ReportSuccess();
        circuit.ReportSuccess();
        circuit.ReportFailure("read", new TimeoutException());

        Assert.False(circuit.InOutage);
        Assert.True(circuit.AllowsCalls);
        Assert.Equal(1, _logs.Count(DistributedCacheRecovered));
    }

    [Fact]
    public void Constructor_ThresholdBelowOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Saml2BearerDistributedCacheCircuit(BreakDuration, _logs.CreateLogger("test"), _time, failureThreshold: 0));
    }

    private Saml2BearerDistributedCacheCircuit CreateCircuit() =>
        new(BreakDuration, _logs.CreateLogger(typeof(Saml2BearerDistributedCacheCircuit).FullName!), _time, Saml2BearerDistributedCacheCircuit.DefaultFailureThreshold);
}
