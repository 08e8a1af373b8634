using System.Diagnostics;
using System.Net;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

public sealed class Saml2BearerActivitySourceTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string NameId = "carol.secret-subject@example.com";

    [Fact]
    public async Task ValidRequest_FirstTime_EmitsValidateAndExchangeSpans()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);

        using var response = await observed.Host.GetAsync("/whoami", observed.Host.Assertion());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var validate = Assert.Single(observed.Activities.Named(Saml2BearerActivitySource.ValidateAssertionName));
        Assert.Equal(Saml2AssertionBuilder.DefaultIssuer, validate.GetTagItem("saml2bearer.assertion.issuer"));
        Assert.Equal(false, validate.GetTagItem("saml2bearer.assertion.fast_path"));
        Assert.Equal(ActivityStatusCode.Ok, validate.Status);
        var exchange = Assert.Single(observed.Activities.Named(Saml2BearerActivitySource.ExchangeTokenName));
        Assert.Equal("success", exchange.GetTagItem("saml2bearer.exchange.outcome"));
        Assert.Null(exchange.GetTagItem("error.type"));
        Assert.Equal(observed.Scheme, exchange.GetTagItem("aspnetcore.authentication.scheme"));
        Assert.Equal(Saml2AssertionBuilder.DefaultIssuer, exchange.GetTagItem("saml2bearer.assertion.issuer"));

        // The exchange is not nested in the validation: that span ended before the exchange began.
        Assert.NotEqual(validate.SpanId, exchange.ParentSpanId);
    }

    [Fact]
    public async Task RepeatedAssertion_FastPath_EmitsValidateSpanOnly()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var assertion = observed.Host.Assertion();
        (await observed.Host.GetAsync("/whoami", assertion)).Dispose();

        (await observed.Host.GetAsync("/whoami", assertion)).Dispose();

        var validations = observed.Activities.Named(Saml2BearerActivitySource.ValidateAssertionName);
        Assert.Equal(2, validations.Count);
        Assert.Single(validations, a => Equals(a.GetTagItem("saml2bearer.assertion.fast_path"), true));
        Assert.Single(observed.Activities.Named(Saml2BearerActivitySource.ExchangeTokenName));
    }

    [Fact]
    public async Task RejectedAssertion_EmitsValidateSpanWithReasonAndErrorStatus()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);

        using var response = await observed.Host.GetAsync("/whoami", observed.Host.Assertion(b => b.Issuer = "https://evil.example.com/<script>"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var validate = Assert.Single(observed.Activities.Named(Saml2BearerActivitySource.ValidateAssertionName));
        Assert.Equal(ActivityStatusCode.Error, validate.Status);
        Assert.Equal("IssuerNotTrusted", validate.GetTagItem("error.type"));
        Assert.Null(validate.GetTagItem("saml2bearer.assertion.issuer"));
        Assert.Empty(observed.Activities.Named(Saml2BearerActivitySource.ExchangeTokenName));
    }

    [Fact]
    public async Task FailedExchange_EmitsExchangeSpanWithOutcomeAndErrorStatus()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        observed.Host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant"));

        (await observed.Host.GetAsync("/whoami", observed.Host.Assertion())).Dispose();

        var exchange = Assert.Single(observed.Activities.Named(Saml2BearerActivitySource.ExchangeTokenName));
        Assert.Equal("invalid_grant", exchange.GetTagItem("saml2bearer.exchange.outcome"));
        Assert.Equal("invalid_grant", exchange.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, exchange.Status);
    }

    [Fact]
    public async Task SpansAndMeasurements_OneFlow_UseTheSameAttributeNames()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var host = observed.Host;
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ClientError, "invalid_client"));
        (await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "first@example.com"))).Dispose();     // exchange fails
        (await host.GetAsync("/whoami", host.Assertion())).Dispose();                                         // succeeds
        (await host.GetAsync("/whoami", host.Assertion(b => b.Issuer = "https://evil.example.com"))).Dispose(); // rejected

        var spanNames = observed.Activities.Activities.SelectMany(a => a.TagObjects.Select(t => t.Key)).ToHashSet(StringComparer.Ordinal);
        var metricNames = observed.Metrics.Measurements.SelectMany(m => m.Tags.Keys).ToHashSet(StringComparer.Ordinal);

        Assert.Subset(metricNames, spanNames);
        Assert.Contains("aspnetcore.authentication.scheme", spanNames);
        Assert.Contains("error.type", spanNames);
        Assert.Contains("error.type", metricNames);
        Assert.All(metricNames.Concat(spanNames), name => Assert.True(
            name is "aspnetcore.authentication.scheme" or "error.type" || name.StartsWith("saml2bearer.", StringComparison.Ordinal), name));
    }

    [Fact]
    public async Task SpansAndMeasurements_AnyRequest_CarryNoNameIdAssertionTokenOrSecret()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var host = observed.Host;
        var valid = host.Assertion(b => b.NameId = NameId);
        var rejected = host.Assertion(b =>
        {
            b.NameId = NameId;
            b.AudienceRestrictions[0][0] = "https://elsewhere.example.com";
        });

        using var ok = await host.GetAsync("/token", valid);
        var accessToken = await ok.Content.ReadAsStringAsync();
        (await host.GetAsync("/whoami", valid)).Dispose();
        (await host.GetAsync("/whoami", rejected)).Dispose();

        Assert.StartsWith(RecordingTokenService.AccessTokenPrefix, accessToken, StringComparison.Ordinal);
        var forbidden = new[] { NameId, "carol", valid[..40], rejected[..40], accessToken, RecordingTokenService.AccessTokenPrefix, Saml2BearerTestHost.ClientSecret };
        var spanValues = observed.Activities.Activities.SelectMany(a => a.TagObjects.Select(t => Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty)).ToList();
        var metricValues = observed.Metrics.Measurements.SelectMany(m => m.Tags.Values.Select(v => v ?? string.Empty)).ToList();
        Assert.Equal(3, observed.Activities.Named(Saml2BearerActivitySource.ValidateAssertionName).Count);
        Assert.NotEmpty(metricValues);
        foreach (var value in spanValues.Concat(metricValues))
        {
            foreach (var secret in forbidden)
            {
                Assert.DoesNotContain(secret, value, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
