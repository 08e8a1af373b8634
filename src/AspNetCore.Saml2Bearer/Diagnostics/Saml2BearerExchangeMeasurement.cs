using System.Diagnostics;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// Measures one token exchange: the <c>Saml2Bearer.ExchangeToken</c> span, the exchange counter and
/// duration histogram, and the token endpoint's state for the health check. It ends with
/// <see cref="Completed"/>; a <see cref="Dispose"/> before that (an exception, which the handler answers
/// with 503) counts as <see cref="Saml2BearerTokenResultStatus.ServiceUnavailable"/> with <c>error.type</c>
/// <c>unexpected_error</c>.
/// </summary>
internal sealed class Saml2BearerExchangeMeasurement : IDisposable
{
    private readonly Saml2BearerMetrics _metrics;
    private readonly Saml2BearerTokenEndpointState _endpointState;
    private readonly TimeProvider _timeProvider;
    private readonly string _scheme;
    private readonly long _started;
    private readonly Activity? _activity;
    private bool _ended;

    // The issuer is null when the assertion was not validated locally: then it is not a configured value, and not tagged.
    public Saml2BearerExchangeMeasurement(Saml2BearerMetrics metrics, Saml2BearerTokenEndpointState endpointState, TimeProvider timeProvider, string scheme, string? issuer)
    {
        _metrics = metrics;
        _endpointState = endpointState;
        _timeProvider = timeProvider;
        _scheme = scheme;
        _activity = Saml2BearerActivitySource.Start(Saml2BearerActivitySource.ExchangeTokenName, scheme);
        if (issuer is not null)
        {
            _activity?.SetTag(Saml2BearerTelemetryAttributes.AssertionIssuer, issuer);
        }

        _started = timeProvider.GetTimestamp();
    }

    /// <summary>The exchange ended: <paramref name="failure"/> is <see langword="null"/> for a success.</summary>
    public void Completed(Saml2BearerTokenResult? failure) =>
        End(failure?.Status ?? Saml2BearerTokenResultStatus.Success, failure is null ? null : Saml2BearerTelemetryAttributes.ExchangeErrorType(failure.Error));

    private void End(Saml2BearerTokenResultStatus status, string? errorType)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _metrics.ExchangeCompleted(_scheme, status, errorType, _timeProvider.GetElapsedTime(_started));
        _endpointState.ExchangeCompleted(status, _timeProvider.GetUtcNow());
        if (_activity is { } activity)
        {
            activity.SetTag(Saml2BearerTelemetryAttributes.ExchangeOutcome, Saml2BearerTelemetryAttributes.ExchangeOutcomeOf(status));
            if (errorType is null)
            {
                activity.SetStatus(ActivityStatusCode.Ok);
            }
            else
            {
                activity.SetTag(Saml2BearerTelemetryAttributes.ErrorType, errorType);
                activity.SetStatus(ActivityStatusCode.Error, errorType);
            }

            activity.Stop();
        }
    }

    public void Dispose()
    {
        End(Saml2BearerTokenResultStatus.ServiceUnavailable, Saml2BearerTelemetryAttributes.UnexpectedErrorType);
        _activity?.Dispose();
    }
}
