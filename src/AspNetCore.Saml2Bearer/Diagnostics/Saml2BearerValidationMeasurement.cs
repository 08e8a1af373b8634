using System.Diagnostics;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// Measures one assertion's decoding and validation: the <c>Saml2Bearer.ValidateAssertion</c> span, the
/// duration histogram and the validated / rejected counters. It ends with <see cref="Validated"/>,
/// <see cref="Rejected"/> or, when nothing is validated locally, <see cref="Dispose"/>; only the first counts.
/// </summary>
internal sealed class Saml2BearerValidationMeasurement : IDisposable
{
    private readonly Saml2BearerMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly string _scheme;
    private readonly long _started;
    private Activity? _activity;
    private bool _ended;

    public Saml2BearerValidationMeasurement(Saml2BearerMetrics metrics, TimeProvider timeProvider, string scheme)
    {
        _metrics = metrics;
        _timeProvider = timeProvider;
        _scheme = scheme;
        _activity = Saml2BearerActivitySource.Start(Saml2BearerActivitySource.ValidateAssertionName, scheme);
        _started = timeProvider.GetTimestamp();
    }

    /// <summary>The assertion of the configured <paramref name="issuer"/> was accepted.</summary>
    public void Validated(string issuer, bool fastPath)
    {
        if (End())
        {
            _metrics.AssertionValidated(_scheme, issuer, fastPath, _timeProvider.GetElapsedTime(_started));
            _activity?.SetTag(Saml2BearerTelemetryAttributes.AssertionIssuer, issuer);
            _activity?.SetTag(Saml2BearerTelemetryAttributes.FastPath, fastPath);
            StopActivity(ActivityStatusCode.Ok);
        }
    }

    /// <summary>The assertion was rejected; its issuer is not tagged, since it may be anything.</summary>
    public void Rejected(Saml2AssertionFailureReason reason)
    {
        if (End())
        {
            _metrics.AssertionRejected(_scheme, reason, _timeProvider.GetElapsedTime(_started));
            _activity?.SetTag(Saml2BearerTelemetryAttributes.FastPath, false);
            _activity?.SetTag(Saml2BearerTelemetryAttributes.ErrorType, reason.ToString());
            StopActivity(ActivityStatusCode.Error, reason.ToString());
        }
    }

    /// <summary>Ends the span without counting (no local validation, or an exception).</summary>
    public void Dispose()
    {
        if (End())
        {
            StopActivity(ActivityStatusCode.Unset);
        }
    }

    private bool End()
    {
        if (_ended)
        {
            return false;
        }

        _ended = true;
        return true;
    }

    private void StopActivity(ActivityStatusCode status, string? description = null)
    {
        if (_activity is { } activity)
        {
            activity.SetStatus(status, description);
            activity.Stop();
            _activity = null;
        }
    }
}
