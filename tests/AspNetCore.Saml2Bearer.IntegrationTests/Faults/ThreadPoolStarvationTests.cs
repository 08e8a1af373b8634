using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime;
using AspNetCore.Saml2Bearer.Testing;
using Xunit.Abstractions;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// A hanging authorization server must not take the API down with it: a thousand concurrent requests
/// (distinct subjects, so that no exchange is shared; assertions minted before the clock starts) all end
/// in 503 within the backchannel timeout plus a second, measured from the moment the burst is sent. The
/// hung server is a port whose kernel accepts connections that nobody reads, so that its own work does not
/// share the two cores with the API, as a remote server's would not; the process is warmed up first.
/// </summary>
[Collection(TimingSensitiveGroup.Name)]
public sealed class ThreadPoolStarvationTests(ITestOutputHelper output)
{
    private const int Requests = 1000;
    private const int WarmUpRequests = 100;
    private static readonly TimeSpan BackchannelTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = BackchannelTimeout + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Whoami_ThousandConcurrentSubjectsWhileAuthorizationServerHangs_All503WithinTimeoutPlusOneSecond()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        using var hung = new UnresponsiveAuthorizationServer();
        using var idp = FaultScenario.CreateIdentityProvider();
        await WarmUpAsync(idp, server, hung);
        await using var api = await FaultApiHost.StartAsync(idp, options =>
        {
            options.TokenEndpoint = hung.TokenEndpoint;
            options.BackchannelTimeout = BackchannelTimeout;
        });
        var assertions = Assertions(idp, "hang", Requests);
        var threadsBefore = ThreadPool.ThreadCount;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var gcPauseBefore = GC.GetTotalPauseDuration();

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var requests = assertions.Select(async assertion =>
        {
            await release.Task;
            var response = await api.WhoAmIAsync(assertion);
            return (Response: response, CompletedAt: clock.Elapsed);
        }).ToArray();
        clock.Start();
        release.SetResult();
        var results = await Task.WhenAll(requests);
        var total = clock.Elapsed;

        var completions = results.Select(r => r.CompletedAt).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Requests} requests: first done {completions[0].TotalMilliseconds:F0} ms, median {completions[Requests / 2].TotalMilliseconds:F0} ms, " +
            $"p99 {completions[(Requests * 99) / 100].TotalMilliseconds:F0} ms, all {total.TotalMilliseconds:F0} ms; " +
            $"CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds:F0} ms, GC pauses {(GC.GetTotalPauseDuration() - gcPauseBefore).TotalMilliseconds:F0} ms, " +
            $"thread pool threads {threadsBefore} -> {ThreadPool.ThreadCount}; timed out {api.Logs.Count(TokenExchangeEvents.TimedOut)}, " +
            $"refused over the exchange limit {api.Logs.Count(TokenExchangeEvents.ExchangeLimitReached)}, circuit open {api.Logs.Count(TokenExchangeEvents.CircuitOpen)}"));
        Assert.All(results, r => FaultScenario.AssertServiceUnavailable(r.Response));
        Assert.True(total <= Bound, $"the last of {Requests} requests completed after {total.TotalMilliseconds:F0} ms, beyond {Bound.TotalMilliseconds:F0} ms");
        // Each request waited for the hung server until the timeout, or was refused at once because as many
        // exchanges as allowed were already waiting, or found the circuit the timeouts had opened.
        var timedOut = api.Logs.Count(TokenExchangeEvents.TimedOut);
        Assert.InRange(timedOut, 5, api.Options.MaxConcurrentExchanges);
        Assert.Equal(Requests, timedOut + api.Logs.Count(TokenExchangeEvents.ExchangeLimitReached) + api.Logs.Count(TokenExchangeEvents.CircuitOpen));
    }

    /// <summary>
    /// JIT is per process: hosts like the measured one run the healthy path and the hanging path, round
    /// after round until tiered compilation has nothing left to recompile, so that the measured host meets
    /// the hang with optimized code, as an API that has been serving for a while would.
    /// </summary>
    private async Task WarmUpAsync(TestSaml2IdentityProvider idp, FaultyAuthorizationServer server, UnresponsiveAuthorizationServer hung)
    {
        for (var round = 0; round < 8; round++)
        {
            var compiledBefore = JitInfo.GetCompiledMethodCount();
            await using (var api = await FaultApiHost.StartAsync(idp, options =>
            {
                options.TokenEndpoint = server.TokenEndpoint;
                options.BackchannelTimeout = BackchannelTimeout;
            }))
            {
                var healthy = await Task.WhenAll(Assertions(idp, $"warm-up-{round}", WarmUpRequests).Select(api.WhoAmIAsync));
                // A cold process may time some of these out: they only need to run the healthy path.
                Assert.Contains(healthy, r => r.StatusCode == HttpStatusCode.OK);
                api.Options.TokenEndpoint = hung.TokenEndpoint;
                var hanging = await Task.WhenAll(Assertions(idp, $"warm-up-hang-{round}", WarmUpRequests).Select(api.WhoAmIAsync));
                Assert.All(hanging, FaultScenario.AssertServiceUnavailable);
            }

            await JitQuietAsync();
            var compiled = JitInfo.GetCompiledMethodCount() - compiledBefore;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up round {round}: {compiled} methods compiled"));
            // A new host compiles a few hundred methods of its own; the request paths are done when a round compiles little more.
            if (compiled < 400)
            {
                return;
            }
        }
    }

    /// <summary>Waits (up to 10 s) until no method has been compiled for half a second: background tier-up is done.</summary>
    private static async Task JitQuietAsync()
    {
        var deadline = Stopwatch.StartNew();
        var count = JitInfo.GetCompiledMethodCount();
        var quietSince = Stopwatch.StartNew();
        while (quietSince.Elapsed < TimeSpan.FromMilliseconds(500) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
            var now = JitInfo.GetCompiledMethodCount();
            if (now != count)
            {
                count = now;
                quietSince.Restart();
            }
        }
    }

    private static string[] Assertions(TestSaml2IdentityProvider idp, string prefix, int count) =>
        Enumerable.Range(0, count).AsParallel().Select(i => idp.IssueAssertion(d => d.NameId = $"{prefix}-{i}@example.com")).ToArray();
}
