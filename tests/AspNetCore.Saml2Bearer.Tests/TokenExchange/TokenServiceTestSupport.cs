using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

/// <summary>
/// What the exchange and refresh tests of <see cref="AspNetCore.Saml2Bearer.TokenExchange.Saml2BearerHttpTokenService"/>
/// share: the client, the services, the options against a loopback server, the unavailable verdict and a hanging endpoint.
/// </summary>
internal static class TokenServiceTestSupport
{
    public const string ClientId = "api-client";
    public const string ClientSecret = "s3cret-VALUE-91d2";

    public static ServiceProvider CreateServices(InMemoryLoggerProvider? logs = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddHttpClient();
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public static Saml2BearerOptions CreateOptions(LoopbackAuthorizationServer server, Action<Saml2BearerOptions>? configure = null)
    {
        var options = new Saml2BearerOptions
        {
            TokenEndpoint = server.TokenEndpoint.AbsoluteUri,
            RequireHttpsMetadata = false,
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            BackchannelTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        return options;
    }

    public static void AssertUnavailable(AspNetCore.Saml2Bearer.TokenExchange.Saml2BearerTokenResult result, string error, TimeSpan? retryAfter = null)
    {
        Assert.Equal(AspNetCore.Saml2Bearer.TokenExchange.Saml2BearerTokenResultStatus.ServiceUnavailable, result.Status);
        Assert.Equal(error, result.Error);
        Assert.Null(result.Response);
        Assert.Equal(retryAfter ?? new Saml2BearerOptions().DefaultRetryAfter, result.RetryAfter);
    }

    /// <summary>Never answers; ends when the client hangs up or the server stops, so disposal does not wait for it.</summary>
    public static async Task HangAsync(HttpContext context)
    {
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, hangUp.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up.
        }
    }
}
