using System.Net;
using System.Net.Sockets;
using System.Text;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.Tests.TokenExchange;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

public sealed class Saml2BearerTokenEndpointHealthCheckTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string Scheme = "HealthChecked";

    [Fact]
    public async Task Check_TokenEndpointAnswers_HealthyWithoutPostingAnything()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        await using var services = CreateServices(o => o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri);

        var report = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        var probe = Assert.Single(server.TokenRequests);
        Assert.Equal("HEAD", probe.Method);
        Assert.Null(probe.Authorization);
        Assert.Empty(probe.RawBody);
    }

    [Fact]
    public async Task Check_AuthoritySet_ProbesTheDiscoveryDocument()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        await using var services = CreateServices(o =>
        {
            o.TokenEndpoint = null;
            o.Authority = server.BaseAddress.AbsoluteUri;
            o.Assertion.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        });

        var report = await CheckAsync(services);

        var entry = Assert.Single(report.Entries).Value;
        Assert.True(entry.Status == HealthStatus.Healthy, entry.Description + " " + entry.Exception);
        Assert.Equal(1, server.MetadataRequests);
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task Check_EndpointRefusesConnections_Unhealthy()
    {
        await using var services = CreateServices(o => o.TokenEndpoint = $"http://127.0.0.1:{ClosedPort()}/token");

        var report = await CheckAsync(services);

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal(nameof(HttpRequestError.ConnectionError), entry.Data["probe"]);
    }

    [Fact]
    public async Task Check_EndpointAnswersServerError_Degraded()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.Respond(503, string.Empty, "text/plain"));
        await using var services = CreateServices(o => o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri);

        var report = await CheckAsync(services);

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal(503, Assert.Single(report.Entries).Value.Data["status_code"]);
    }

    [Fact]
    public async Task Check_CircuitOpenAfterServerErrors_UnhealthyWithoutProbing()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.Respond(500, string.Empty, "text/plain"));
        await using var services = CreateServices(o => o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri);
        var tokenService = services.GetRequiredService<ISaml2BearerTokenService>();
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Saml2BearerOptions>>().Get(Scheme);
        var results = new List<Saml2BearerTokenResultStatus>();
        for (var i = 0; i < 6; i++)
        {
            var result = await tokenService.ExchangeAsync(
                new Saml2BearerTokenRequest { SchemeName = Scheme, Options = options, Assertion = Encoding.UTF8.GetBytes("<Assertion/>"), Scope = null },
                CancellationToken.None);
            results.Add(result.Status);
        }

        var requestsBeforeCheck = server.TokenRequests.Count;

        var report = await CheckAsync(services);

        Assert.All(results, status => Assert.Equal(Saml2BearerTokenResultStatus.ServiceUnavailable, status));
        Assert.Equal(5, requestsBeforeCheck);   // the sixth exchange failed fast: the circuit is open
        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("open", entry.Data["circuit"]);
        Assert.Equal(requestsBeforeCheck, server.TokenRequests.Count);
    }

    [Fact]
    public async Task Check_RecentExchangeFailure_DegradedUntilASuccess()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Configure = o =>
            {
                o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri;
                o.Assertion.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
            },
            Services = s => s.AddHealthChecks().AddSaml2BearerTokenEndpoint(),
        });
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "temporarily_unavailable"));
        var health = host.App.Services.GetRequiredService<HealthCheckService>();

        using var failed = await host.GetAsync("/whoami", host.Assertion());
        var afterFailure = await health.CheckHealthAsync();
        using var succeeded = await host.GetAsync("/whoami", host.Assertion());
        var afterSuccess = await health.CheckHealthAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(HealthStatus.Degraded, afterFailure.Status);
        Assert.Equal(1, Assert.Single(afterFailure.Entries).Value.Data["recent_failures"]);
        Assert.Equal(HttpStatusCode.OK, succeeded.StatusCode);
        Assert.Equal(HealthStatus.Healthy, afterSuccess.Status);
    }

    [Fact]
    public async Task AddSaml2BearerTokenEndpoint_NoName_RegistersSchemeNamedCheck()
    {
        await using var services = CreateServices(o => o.TokenEndpoint = "https://as.example.com/token");

        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>().Value;

        Assert.Equal("saml2bearer-" + Scheme, Assert.Single(options.Registrations).Name);
    }

    [Fact]
    public async Task AddSaml2BearerTokenEndpoint_NameFailureStatusTagsTimeout_OnTheRegistration()
    {
        await using var services = CreateServices(
            o => o.TokenEndpoint = "https://as.example.com/token",
            checks => checks.AddSaml2BearerTokenEndpoint(Scheme, name: "as", failureStatus: HealthStatus.Degraded, tags: ["ready", "auth"], timeout: TimeSpan.FromSeconds(3)));

        var registration = Assert.Single(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>().Value.Registrations);

        Assert.Equal("as", registration.Name);
        Assert.Equal(HealthStatus.Degraded, registration.FailureStatus);
        Assert.Equal(["auth", "ready"], registration.Tags.Order(StringComparer.Ordinal));
        Assert.Equal(TimeSpan.FromSeconds(3), registration.Timeout);
    }

    [Fact]
    public async Task AddSaml2BearerTokenEndpoint_Defaults_UnhealthyOnFailureTaggedSaml2BearerNoTimeout()
    {
        await using var services = CreateServices(o => o.TokenEndpoint = "https://as.example.com/token");

        var registration = Assert.Single(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>().Value.Registrations);

        Assert.Equal(HealthStatus.Unhealthy, registration.FailureStatus);
        Assert.Equal(["saml2bearer"], registration.Tags);
        Assert.Equal(Timeout.InfiniteTimeSpan, registration.Timeout);
    }

    [Fact]
    public async Task Check_EndpointRefusesConnectionsWithFailureStatusDegraded_ReportsDegraded()
    {
        await using var services = CreateServices(
            o => o.TokenEndpoint = $"http://127.0.0.1:{ClosedPort()}/token",
            checks => checks.AddSaml2BearerTokenEndpoint(Scheme, failureStatus: HealthStatus.Degraded));

        var report = await CheckAsync(services);

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(nameof(HttpRequestError.ConnectionError), entry.Data["probe"]);
    }

    [Fact]
    public async Task Check_ServerHangsPastTheRegistrationTimeout_ReportsTheFailureStatus()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var services = CreateServices(
            o => o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri,
            checks => checks.AddSaml2BearerTokenEndpoint(Scheme, failureStatus: HealthStatus.Degraded, timeout: TimeSpan.FromMilliseconds(300)));

        var report = await CheckAsync(services);

        Assert.Equal(HealthStatus.Degraded, Assert.Single(report.Entries).Value.Status);
    }

    [Fact]
    public async Task Check_TagPredicate_SelectsTheCheckByItsTags()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        await using var services = CreateServices(
            o => o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri,
            checks => checks.AddSaml2BearerTokenEndpoint(Scheme, tags: ["ready"]));
        var health = services.GetRequiredService<HealthCheckService>();

        var ready = await health.CheckHealthAsync(r => r.Tags.Contains("ready"));
        var live = await health.CheckHealthAsync(r => r.Tags.Contains("live"));

        Assert.Single(ready.Entries);
        Assert.Empty(live.Entries);
    }

    private static async Task<HealthReport> CheckAsync(ServiceProvider services) =>
        await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    private ServiceProvider CreateServices(Action<Saml2BearerOptions> configure, Action<IHealthChecksBuilder>? checks = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthentication().AddSaml2Bearer(Scheme, options =>
        {
            Saml2BearerTestHost.ConfigureDefaults(options, fixture, TimeProvider.System);
            configure(options);
        });
        var builder = services.AddHealthChecks();
        if (checks is null)
        {
            builder.AddSaml2BearerTokenEndpoint(Scheme);
        }
        else
        {
            checks(builder);
        }

        return services.BuildServiceProvider();
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
