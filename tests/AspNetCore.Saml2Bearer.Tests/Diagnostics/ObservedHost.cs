using System.Diagnostics.Metrics;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

/// <summary>
/// A test host on a scheme name of its own, with a recorder of its meter and of the spans of its scheme.
/// The fake clock moves by <see cref="ExchangeTime"/> inside each exchange, so durations are exact.
/// </summary>
public sealed class ObservedHost : IAsyncDisposable
{
    public static readonly TimeSpan ExchangeTime = TimeSpan.FromMilliseconds(250);

    private ObservedHost(Saml2BearerTestHost host, string scheme, MeasurementRecorder metrics, ActivityRecorder activities)
    {
        Host = host;
        Scheme = scheme;
        Metrics = metrics;
        Activities = activities;
    }

    public Saml2BearerTestHost Host { get; }

    public string Scheme { get; }

    public MeasurementRecorder Metrics { get; }

    public ActivityRecorder Activities { get; }

    public static async Task<ObservedHost> StartAsync(ValidatorFixture fixture, Action<Saml2BearerOptions>? configure = null)
    {
        var scheme = "Observed-" + Guid.NewGuid().ToString("N");
        var activities = new ActivityRecorder(scheme);
        var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            DefaultScheme = scheme,
            Authentication = (authentication, time) => authentication.AddSaml2Bearer(scheme, options =>
            {
                Saml2BearerTestHost.ConfigureDefaults(options, fixture, time);
                options.Events.OnTokenReceived = _ =>
                {
                    time.Advance(ExchangeTime);
                    return Task.CompletedTask;
                };
                configure?.Invoke(options);
            }),
        });
        var metrics = new MeasurementRecorder(host.App.Services.GetRequiredService<IMeterFactory>());
        return new ObservedHost(host, scheme, metrics, activities);
    }

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        Activities.Dispose();
        await Host.DisposeAsync();
    }
}
