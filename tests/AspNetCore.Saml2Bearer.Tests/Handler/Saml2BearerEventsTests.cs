using System.Net;
using System.Security.Claims;
using AspNetCore.Saml2Bearer.Events;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

public sealed class Saml2BearerEventsTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    [Fact]
    public async Task OnMessageReceived_SuppliesTheAssertion_RequestIsAuthenticated()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnMessageReceived = context =>
        {
            context.Assertion = context.Request.Query["saml"];
            return Task.CompletedTask;
        });
        var assertion = Uri.EscapeDataString(host.Assertion());

        using var response = await host.GetAsync("/whoami?saml=" + assertion);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task OnAssertionValidated_Fail_Returns401AndDoesNotExchange()
    {
        Saml2BearerOptions? seen = null;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnAssertionValidated = context =>
        {
            seen = context.Options;
            if (context.Assertion.NameId.Value == "blocked@example.com")
            {
                context.Fail("blocked");
            }

            return Task.CompletedTask;
        });

        using var response = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "blocked@example.com"));

        Assert.NotNull(seen);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("SAML error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Fact]
    public async Task OnTokenReceived_ReplacesTheToken_ReplacementIsSavedAndCached()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnTokenReceived = context =>
        {
            context.TokenResponse = new Saml2BearerTokenResponse { AccessToken = "replaced-" + context.TokenResponse.AccessToken, TokenType = "Bearer", ExpiresIn = TimeSpan.FromHours(1) };
            return Task.CompletedTask;
        });

        using var first = await host.GetAsync("/token", host.Assertion());
        using var second = await host.GetAsync("/token", host.Assertion());

        Assert.Equal("replaced-" + RecordingTokenService.AccessTokenPrefix + "1", await first.Content.ReadAsStringAsync());
        Assert.Equal("replaced-" + RecordingTokenService.AccessTokenPrefix + "1", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task OnTokenReceived_Fail_Returns401AndTheTokenIsNotCached()
    {
        var reject = true;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnTokenReceived = context =>
        {
            if (reject)
            {
                context.Fail("rejected");
            }

            return Task.CompletedTask;
        });

        using var rejected = await host.GetAsync("/whoami", host.Assertion());
        reject = false;
        using var accepted = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task OnTokenReceived_FailWhileOthersWaitOnTheSameExchange_RejectsThemToo()
    {
        var validated = 0;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.Events.OnAssertionValidated = _ =>
            {
                Interlocked.Increment(ref validated);
                return Task.CompletedTask;
            };
            o.Events.OnTokenReceived = context =>
            {
                context.Fail("rejected");
                return Task.CompletedTask;
            };
        });
        host.TokenService.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var leader = host.GetAsync("/whoami", host.Assertion());
        await host.TokenService.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var others = Enumerable.Range(0, 5).Select(_ => host.GetAsync("/whoami", host.Assertion())).ToList();
        while (Volatile.Read(ref validated) < 6)
        {
            await Task.Delay(10);
        }

        host.TokenService.Gate.SetResult();
        var responses = await Task.WhenAll(others.Prepend(leader));

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task OnTokenReceived_ReplacesTheTokenWhileOthersWait_EveryWaiterGetsTheReplacement()
    {
        var validated = 0;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.Events.OnAssertionValidated = _ =>
            {
                Interlocked.Increment(ref validated);
                return Task.CompletedTask;
            };
            o.Events.OnTokenReceived = context =>
            {
                context.TokenResponse = new Saml2BearerTokenResponse { AccessToken = "replaced", TokenType = "Bearer", ExpiresIn = TimeSpan.FromHours(1) };
                return Task.CompletedTask;
            };
        });
        host.TokenService.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var leader = host.GetAsync("/token", host.Assertion());
        await host.TokenService.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var others = Enumerable.Range(0, 5).Select(_ => host.GetAsync("/token", host.Assertion())).ToList();
        while (Volatile.Read(ref validated) < 6)
        {
            await Task.Delay(10);
        }

        host.TokenService.Gate.SetResult();
        var responses = await Task.WhenAll(others.Prepend(leader));

        try
        {
            var tokens = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            Assert.All(tokens, t => Assert.Equal("replaced", t));
            Assert.Equal(1, host.TokenService.Calls);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task OnTokenReceived_StarterCancelledDuringTheExchange_EventRunsOnALiveRequest()
    {
        var validated = 0;
        var abortedSeen = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.Events.OnAssertionValidated = _ =>
            {
                Interlocked.Increment(ref validated);
                return Task.CompletedTask;
            };
            o.Events.OnTokenReceived = context =>
            {
                abortedSeen.Enqueue(context.HttpContext.RequestAborted.IsCancellationRequested);
                context.TokenResponse = new Saml2BearerTokenResponse { AccessToken = "vetted", TokenType = "Bearer", ExpiresIn = TimeSpan.FromHours(1) };
                return Task.CompletedTask;
            };
        });
        host.TokenService.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancellation = new CancellationTokenSource();
        var starter = host.GetAsync("/token", host.Assertion(), cancellation.Token);
        await host.TokenService.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var others = Enumerable.Range(0, 3).Select(_ => host.GetAsync("/token", host.Assertion())).ToList();
        while (Volatile.Read(ref validated) < 4)
        {
            await Task.Delay(10);
        }

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starter);
        host.TokenService.Gate.SetResult();
        var responses = await Task.WhenAll(others);
        using var later = await host.GetAsync("/token", host.Assertion());

        try
        {
            var tokens = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            Assert.All(tokens, t => Assert.Equal("vetted", t));
            Assert.Equal("vetted", await later.Content.ReadAsStringAsync());
            Assert.NotEmpty(abortedSeen);
            Assert.DoesNotContain(true, abortedSeen);
            Assert.Equal(1, host.TokenService.Calls);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task OnTokenValidated_AddsAClaim_ClaimIsOnTheUser()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnTokenValidated = context =>
        {
            ((ClaimsIdentity)context.Principal!.Identity!).AddClaim(new Claim("tenant", "contoso"));
            return Task.CompletedTask;
        });

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["contoso"], whoAmI.Values("tenant"));
    }

    [Fact]
    public async Task OnChallenge_HandleResponse_HandlerWritesNothing()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnChallenge = async context =>
        {
            Assert.Equal("invalid_token", context.Error);
            Assert.Equal(Saml2BearerFailureKind.AssertionRejected, context.AuthenticateFailure?.Kind);
            context.Response.StatusCode = StatusCodes.Status418ImATeapot;
            await context.Response.WriteAsync("custom");
            context.HandleResponse();
        });

        using var response = await host.GetAsync("/whoami", Saml2AssertionBuilder.Encode(host.NewAssertion().BuildUnsigned()));

        Assert.Equal((HttpStatusCode)StatusCodes.Status418ImATeapot, response.StatusCode);
        Assert.Empty(response.Headers.WwwAuthenticate);
        Assert.Equal("custom", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OnChallenge_ChangesTheDescription_HeaderCarriesIt()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnChallenge = context =>
        {
            context.ErrorDescription = "Present a fresh assertion.";
            return Task.CompletedTask;
        });

        using var response = await host.GetAsync("/whoami", Saml2AssertionBuilder.Encode(host.NewAssertion().BuildUnsigned()));

        Assert.Equal("SAML error=\"invalid_token\", error_description=\"Present a fresh assertion.\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
    }

    [Fact]
    public async Task OnAuthenticationFailed_ReceivesTheReasonCode()
    {
        Saml2BearerAuthenticationException? failure = null;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnAuthenticationFailed = context =>
        {
            failure = context.Failure;
            return Task.CompletedTask;
        });

        using var response = await host.GetAsync("/whoami", Saml2AssertionBuilder.Encode(host.NewAssertion().BuildUnsigned()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(Saml2BearerFailureKind.AssertionRejected, failure?.Kind);
        Assert.Equal(AspNetCore.Saml2Bearer.Assertions.Saml2AssertionFailureReason.SignatureMissing, failure?.AssertionFailureReason);
    }

    [Fact]
    public async Task EventsType_FromDependencyInjection_IsUsed()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Services = services => services.AddSingleton<TenantEvents>(),
            Configure = o => o.EventsType = typeof(TenantEvents),
        });

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["from-di"], whoAmI.Values("tenant"));
        Assert.Equal(1, host.App.Services.GetRequiredService<TenantEvents>().TokenValidatedCount);
    }
}

public sealed class TenantEvents : Saml2BearerEvents
{
    private int _tokenValidatedCount;

    public int TokenValidatedCount => Volatile.Read(ref _tokenValidatedCount);

    public override Task TokenValidated(TokenValidatedContext context)
    {
        Interlocked.Increment(ref _tokenValidatedCount);
        ((ClaimsIdentity)context.Principal!.Identity!).AddClaim(new Claim("tenant", "from-di"));
        return base.TokenValidated(context);
    }
}
