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
/// outcomes are enum names. No NameID, assertion, token or secret is ever a tag.
/// </summary>
internal sealed class Saml2BearerMetrics
{
    public const string AssertionsValidatedName = "saml2bearer.assertions.validated";
    public const string AssertionsRejectedName = "saml2bearer.assertions.rejected";
    public const string TokenCacheLookupsName = "saml2bearer.token_cache.lookups";
    public const string ExchangesName = "saml2bearer.exchanges";
    public const string ValidationDurationName = "saml2bearer.assertion.validation.duration";
    public const string ExchangeDurationName = "saml2bearer.exchange.duration";

    public const string SchemeTag = "scheme";
    public const string IssuerTag = "issuer";
    public const string FastPathTag = "fast_path";
    public const string ReasonTag = "reason";
    public const string SourceTag = "source";
    public const string OutcomeTag = "outcome";

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

    /// <summary>The tag value of an exchange outcome.</summary>
    public static string Outcome(Saml2BearerTokenResultStatus status) => status switch
    {
        Saml2BearerTokenResultStatus.Success => "success",
        Saml2BearerTokenResultStatus.InvalidGrant => "invalid_grant",
        Saml2BearerTokenResultStatus.ClientError => "client_error",
        _ => "service_unavailable",
    };

    /// <summary>The tag value of a token source.</summary>
    public static string Source(Saml2BearerTokenLookupSource source) => source switch
    {
        Saml2BearerTokenLookupSource.MemoryCache => "memory",
        Saml2BearerTokenLookupSource.DistributedCache => "distributed",
        Saml2BearerTokenLookupSource.Exchanged => "exchanged",
        _ => "joined_exchange",
    };

    public void AssertionValidated(string scheme, string issuer, bool fastPath, TimeSpan elapsed)
    {
        var fastPathValue = fastPath ? "true" : "false";
        if (_validated.Enabled)
        {
            _validated.Add(1, new(SchemeTag, scheme), new(IssuerTag, issuer), new(FastPathTag, fastPathValue));
        }

        if (_validationDuration.Enabled)
        {
            _validationDuration.Record(elapsed.TotalSeconds, new(SchemeTag, scheme), new(OutcomeTag, "validated"), new(FastPathTag, fastPathValue));
        }
    }

    public void AssertionRejected(string scheme, Saml2AssertionFailureReason reason, TimeSpan elapsed)
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, new(SchemeTag, scheme), new(ReasonTag, reason.ToString()));
        }

        if (_validationDuration.Enabled)
        {
            _validationDuration.Record(elapsed.TotalSeconds, new(SchemeTag, scheme), new(OutcomeTag, "rejected"), new(FastPathTag, "false"));
        }
    }

    public void TokenLookup(string scheme, Saml2BearerTokenLookupSource source)
    {
        if (_lookups.Enabled)
        {
            _lookups.Add(1, new(SchemeTag, scheme), new(SourceTag, Source(source)));
        }
    }

    public void ExchangeCompleted(string scheme, Saml2BearerTokenResultStatus status, TimeSpan elapsed)
    {
        var outcome = Outcome(status);
        var tags = new TagList { { SchemeTag, scheme }, { OutcomeTag, outcome } };
        _exchanges.Add(1, tags);
        _exchangeDuration.Record(elapsed.TotalSeconds, tags);
    }
}
