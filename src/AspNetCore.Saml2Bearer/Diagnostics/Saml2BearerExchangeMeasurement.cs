using System.Diagnostics;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// Measures one token exchange: the <c>Saml2Bearer.ExchangeToken</c> span, the exchange counter and
/// duration histogram, and the token endpoint's state for the health check. It ends with
/// <see cref="Completed"/>; a <see cref="Dispose"/> before that (an exception, which the handler answers
/// with 503) counts as <see cref="Saml2BearerTokenResultStatus.ServiceUnavailable"/>.
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
            _activity?.SetTag(Saml2BearerActivitySource.IssuerTag, issuer);
        }

        _started = timeProvider.GetTimestamp();
    }

    public void Completed(Saml2BearerTokenResultStatus status)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _metrics.ExchangeCompleted(_scheme, status, _timeProvider.GetElapsedTime(_started));
        _endpointState.ExchangeCompleted(status, _timeProvider.GetUtcNow());
        if (_activity is { } activity)
        {
            var outcome = Saml2BearerMetrics.Outcome(status);
            activity.SetTag(Saml2BearerActivitySource.OutcomeTag, outcome);
            activity.SetStatus(status == Saml2BearerTokenResultStatus.Success ? ActivityStatusCode.Ok : ActivityStatusCode.Error, status == Saml2BearerTokenResultStatus.Success ? null : outcome);
            activity.Stop();
        }
    }

    public void Dispose()
    {
        Completed(Saml2BearerTokenResultStatus.ServiceUnavailable);
        _activity?.Dispose();
    }
}
