using System.Diagnostics;
using System.Diagnostics.Metrics;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// The package's instruments, on the <see cref="Meter"/> named <see cref="Saml2BearerDefaults.DiagnosticsName"/>
/// created through <see cref="IMeterFactory"/>. Tag values are bounded: scheme names and issuers come from
/// configuration (an issuer is tagged only once the assertion was validated against it), reasons and
/// outcomes are enum names, exchange error codes a fixed list. The attribute names are
/// <see cref="Saml2BearerTelemetryAttributes"/>, the same as on the spans. No NameID, assertion, token or
/// secret is ever a tag.
/// </summary>
internal sealed class Saml2BearerMetrics
{
    public const string AssertionsValidatedName = "saml2bearer.assertions.validated";
    public const string AssertionsRejectedName = "saml2bearer.assertions.rejected";
    public const string TokenCacheLookupsName = "saml2bearer.token_cache.lookups";
    public const string ExchangesName = "saml2bearer.exchanges";
    public const string ValidationDurationName = "saml2bearer.assertion.validation.duration";
    public const string ExchangeDurationName = "saml2bearer.exchange.duration";

    // The buckets ASP.NET Core uses for its request durations.
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Counter<long> _validated;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _lookups;
    private readonly Counter<long> _exchanges;
    private readonly Histogram<double> _validationDuration;
    private readonly Histogram<double> _exchangeDuration;

    public Saml2BearerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Saml2BearerDefaults.DiagnosticsName);
        _validated = meter.CreateCounter<long>(AssertionsValidatedName, "{assertion}", "SAML assertions accepted, by full validation or the fast path.");
        _rejected = meter.CreateCounter<long>(AssertionsRejectedName, "{assertion}", "SAML assertions rejected, by reason code.");
        _lookups = meter.CreateCounter<long>(TokenCacheLookupsName, "{lookup}", "Access token lookups, by where the token came from.");
        _exchanges = meter.CreateCounter<long>(ExchangesName, "{exchange}", "RFC 7522 token exchanges, by outcome.");
        _validationDuration = meter.CreateHistogram(
            ValidationDurationName, "s", "Time to decode and validate a SAML assertion (or find it on the fast path).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _exchangeDuration = meter.CreateHistogram(
            ExchangeDurationName, "s", "Time of an RFC 7522 token exchange, token validation included.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    /// <summary>The tag value of a token source.</summary>
    public static string Source(Saml2BearerTokenLookupSource source) => source switch
    {
        Saml2BearerTokenLookupSource.MemoryCache => "memory",
        Saml2BearerTokenLookupSource.DistributedCache => "distributed",
        Saml2BearerTokenLookupSource.Exchanged => "exchanged",
        Saml2BearerTokenLookupSource.Refreshed => "refreshed",
        _ => "joined_exchange",
    };

    public void AssertionValidated(string scheme, string issuer, bool fastPath, TimeSpan elapsed)
    {
        if (_validated.Enabled)
        {
            _validated.Add(1, new(Saml2BearerTelemetryAttributes.Scheme, scheme), new(Saml2BearerTelemetryAttributes.AssertionIssuer, issuer), new(Saml2BearerTelemetryAttributes.FastPath, fastPath));
        }

        if (_validationDuration.Enabled)
        {
            _validationDuration.Record(elapsed.TotalSeconds, new(Saml2BearerTelemetryAttributes.Scheme, scheme), new(Saml2BearerTelemetryAttributes.FastPath, fastPath));
        }
    }

    public void AssertionRejected(string scheme, Saml2AssertionFailureReason reason, TimeSpan elapsed)
    {
        var errorType = reason.ToString();
        if (_rejected.Enabled)
        {
            _rejected.Add(1, new(Saml2BearerTelemetryAttributes.Scheme, scheme), new(Saml2BearerTelemetryAttributes.ErrorType, errorType));
        }

        if (_validationDuration.Enabled)
        {
            _validationDuration.Record(
                elapsed.TotalSeconds, new(Saml2BearerTelemetryAttributes.Scheme, scheme), new(Saml2BearerTelemetryAttributes.FastPath, false), new(Saml2BearerTelemetryAttributes.ErrorType, errorType));
        }
    }

    public void TokenLookup(string scheme, Saml2BearerTokenLookupSource source)
    {
        if (_lookups.Enabled)
        {
            _lookups.Add(1, new(Saml2BearerTelemetryAttributes.Scheme, scheme), new(Saml2BearerTelemetryAttributes.TokenSource, Source(source)));
        }
    }

    /// <summary>Counts an exchange; <paramref name="errorType"/> is <see langword="null"/> for a success.</summary>
    public void ExchangeCompleted(string scheme, Saml2BearerTokenResultStatus status, string? errorType, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { Saml2BearerTelemetryAttributes.Scheme, scheme },
            { Saml2BearerTelemetryAttributes.ExchangeOutcome, Saml2BearerTelemetryAttributes.ExchangeOutcomeOf(status) },
        };
        if (errorType is not null)
        {
            tags.Add(Saml2BearerTelemetryAttributes.ErrorType, errorType);
        }

        _exchanges.Add(1, tags);
        _exchangeDuration.Record(elapsed.TotalSeconds, tags);
    }
}
