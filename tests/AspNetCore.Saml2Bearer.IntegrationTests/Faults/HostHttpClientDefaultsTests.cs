using System.Net;
using AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// One assertion, one token request, whatever the host adds to every HTTP client: the standard resilience
/// handler of .NET Aspire's ServiceDefaults, a hedging handler, a retrying handler of its own, or a filter
/// that wraps every pipeline. The authorization server answers 503, which each of those would retry.
/// </summary>
public sealed class HostHttpClientDefaultsTests
{
    private const int TokenRequestResendRefused = 2030;

    public static TheoryData<string> HostDefaults => new()
    {
        nameof(ResilienceHttpClientBuilderExtensions.AddStandardResilienceHandler),
        nameof(ResilienceHttpClientBuilderExtensions.AddStandardHedgingHandler),
        nameof(HttpClientBuilderExtensions.AddHttpMessageHandler),
    };

    [Theory]
    [MemberData(nameof(HostDefaults))]
    public async Task Whoami_HostAddsRetryingHandlerToEveryClient_OnePostPerExchange(string hostDefault)
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.TokenFault = TokenEndpointFault.ServiceUnavailable;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(
            idp,
            options => options.TokenEndpoint = server.TokenEndpoint,
            services => services.ConfigureHttpClientDefaults(client => AddHostDefault(client, hostDefault)));

        var response = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("aspire")));

        FaultScenario.AssertServiceUnavailable(response);
        Assert.Equal(1, server.TokenRequests);
    }

    [Fact]
    public async Task TokenEndpointClient_HostDefaultsRegisteredBeforeTheScheme_SendOnce()
    {
        // ConfigureHttpClientDefaults applies first whenever it is called; registered before AddSaml2Bearer too.
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.TokenFault = TokenEndpointFault.ServiceUnavailable;
        using var idp = FaultScenario.CreateIdentityProvider();
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(client => client.AddStandardResilienceHandler(options => options.Retry.Delay = TimeSpan.FromMilliseconds(1)));
        services.AddAuthentication().AddSaml2Bearer(options =>
        {
            options.TokenEndpoint = server.TokenEndpoint;
            options.ClientId = FaultyAuthorizationServer.Audience;
            options.ClientSecret = "host-defaults-secret";
            options.Assertion.AddIdentityProvider(idp.EntityId, idp.SigningCertificate);
            options.Assertion.ValidAudiences.Add(idp.DefaultAudience);
        });
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(Saml2BearerDefaults.HttpClientNamePrefix + Saml2BearerDefaults.AuthenticationScheme);

        using var response = await client.SendAsync(NewTokenRequest(server.TokenEndpoint));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.TokenRequests);
    }

    [Fact]
    public async Task HostDefaults_OtherClientsOfTheHost_StillRetry()
    {
        // The control: the same host handler does retry a 503 POST on the host's own clients, so the tests
        // above count what our client did, not a handler that never retries.
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.TokenFault = TokenEndpointFault.ServiceUnavailable;
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(client => client.AddStandardResilienceHandler(options => options.Retry.Delay = TimeSpan.FromMilliseconds(1)));
        services.AddAuthentication().AddSaml2Bearer();
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("the-hosts-own-client");

        using var response = await client.SendAsync(NewTokenRequest(server.TokenEndpoint));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(server.TokenRequests > 1, $"the control client sent {server.TokenRequests} request(s)");
    }

    [Fact]
    public async Task Whoami_FilterWrapsEveryPipelineWithARetry_OnePostAndTheRefusalIsLogged()
    {
        // A filter runs after every client's own configuration, so it can wrap even our pipeline: the
        // innermost guard refuses the second transmission.
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.TokenFault = TokenEndpointFault.ServiceUnavailable;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(
            idp,
            options => options.TokenEndpoint = server.TokenEndpoint,
            services => services.AddSingleton<IHttpMessageHandlerBuilderFilter, RetryingFilter>());

        var response = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("filter")));

        FaultScenario.AssertServiceUnavailable(response);
        Assert.Equal(1, server.TokenRequests);
        Assert.Equal(1, api.Logs.Count(TokenRequestResendRefused));
    }

    [Fact]
    public async Task Whoami_DiscoveryRedirectsToAnotherHost_NotFollowed()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        await using var elsewhere = await FaultyAuthorizationServer.StartAsync();
        server.DiscoveryRedirect = elsewhere.Issuer + FaultyAuthorizationServer.DiscoveryPath;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(
            idp,
            options => options.Authority = server.Issuer,
            services => services.ConfigureHttpClientDefaults(client => client.AddStandardResilienceHandler()));

        var response = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("redirect")));

        FaultScenario.AssertServiceUnavailable(response);
        Assert.True(server.DiscoveryRequests >= 1);
        Assert.Equal(0, elsewhere.DiscoveryRequests);
        Assert.Equal(0, elsewhere.TokenRequests + server.TokenRequests);
    }

    private static void AddHostDefault(IHttpClientBuilder client, string hostDefault)
    {
        switch (hostDefault)
        {
            case nameof(ResilienceHttpClientBuilderExtensions.AddStandardResilienceHandler):
                // Exactly what .NET Aspire's ServiceDefaults add to every client.
                client.AddStandardResilienceHandler();
                break;
            case nameof(ResilienceHttpClientBuilderExtensions.AddStandardHedgingHandler):
                client.AddStandardHedgingHandler();
                break;
            default:
                client.AddHttpMessageHandler(() => new RetryOn5xxHandler());
                break;
        }
    }

    private static HttpRequestMessage NewTokenRequest(string tokenEndpoint) => new(HttpMethod.Post, tokenEndpoint)
    {
        Content = new FormUrlEncodedContent([new("grant_type", Saml2BearerDefaults.GrantType), new("assertion", "not-a-real-assertion")]),
    };

    /// <summary>A hand-written retry a host might add: up to three more attempts on a 5xx.</summary>
    private sealed class RetryOn5xxHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            for (var attempt = 0; attempt < 3 && (int)response.StatusCode >= 500; attempt++)
            {
                response.Dispose();
                response = await base.SendAsync(request, cancellationToken);
            }

            return response;
        }
    }

    /// <summary>Wraps every client's finished pipeline in <see cref="RetryOn5xxHandler"/>.</summary>
    private sealed class RetryingFilter : IHttpMessageHandlerBuilderFilter
    {
        public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
        {
            next(builder);
            builder.AdditionalHandlers.Insert(0, new RetryOn5xxHandler());
        };
    }
}
