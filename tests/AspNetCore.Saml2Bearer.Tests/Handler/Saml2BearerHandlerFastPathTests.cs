using System.Net;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// The repeat-assertion fast path through the handler once it answers from the characters a caller sent
/// (the third request of an assertion on): every check a repeat owes still holds, and nothing rejected
/// is ever remembered.
/// </summary>
public sealed class Saml2BearerHandlerFastPathTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    [Fact]
    public async Task FastPath_OneCharacterChangedFromAnAliasedAssertion_IsFullyValidatedAndRejectedWithDigestMismatch()
    {
        Saml2AssertionFailureReason? reason = null;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnAuthenticationFailed = context =>
        {
            reason = context.Failure.AssertionFailureReason;
            return Task.CompletedTask;
        });
        var assertion = host.Assertion();
        await RepeatUntilAliasedAsync(host, assertion);
        var changed = Base64Mutation.ChangeOneCharacter(assertion, "alice@example.com");

        using var response = await host.GetAsync("/whoami", changed);
        using var original = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("SAML error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, reason);
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal(1, host.TokenService.Calls);
        AssertNotRemembered(host, changed);
    }

    [Fact]
    public async Task FastPath_AliasedAssertionAtItsNotOnOrAfter_LeavesTheFastPathAndIsRejectedPastTheSkew()
    {
        Saml2AssertionFailureReason? reason = null;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.Assertion.ClockSkew = TimeSpan.FromMinutes(2);
            o.Events.OnAuthenticationFailed = context =>
            {
                reason = context.Failure.AssertionFailureReason;
                return Task.CompletedTask;
            };
        });
        var assertion = host.Assertion();
        await RepeatUntilAliasedAsync(host, assertion);

        host.Time.Advance(TimeSpan.FromMinutes(5));
        var aliasedAtExpiry = host.Options().State!.AssertionCache.TryGetEncoded(assertion, out _);
        using var insideSkew = await host.GetAsync("/whoami", assertion);
        host.Time.Advance(TimeSpan.FromMinutes(2));
        using var pastSkew = await host.GetAsync("/whoami", assertion);

        Assert.False(aliasedAtExpiry);
        Assert.Equal(HttpStatusCode.OK, insideSkew.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, pastSkew.StatusCode);
        Assert.Equal(Saml2AssertionFailureReason.Expired, reason);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task FastPath_AliasedAssertionPastItsBearerNotOnOrAfter_IsRejected()
    {
        Saml2AssertionFailureReason? reason = null;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.Assertion.ClockSkew = TimeSpan.Zero;
            o.Events.OnAuthenticationFailed = context =>
            {
                reason = context.Failure.AssertionFailureReason;
                return Task.CompletedTask;
            };
        });
        var now = host.Time.GetUtcNow();
        var assertion = host.Assertion(b =>
        {
            b.SubjectConfirmationNotOnOrAfter = now.AddMinutes(2);
            b.NotOnOrAfter = now.AddMinutes(5);
        });
        await RepeatUntilAliasedAsync(host, assertion);
        host.Time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        using var justBefore = await host.GetAsync("/whoami", assertion);

        host.Time.Advance(TimeSpan.FromSeconds(1));
        using var atExpiry = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.OK, justBefore.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, atExpiry.StatusCode);
        Assert.Equal(Saml2AssertionFailureReason.SubjectConfirmationExpired, reason);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task FastPath_CachedTokenPastItsExpiryBehindAnAlias_IsExchangedAgain()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.ExpiresIn = TimeSpan.FromMinutes(2);
        host.TokenService.Scope = "orders.read";
        var assertion = host.Assertion();
        await RepeatUntilAliasedAsync(host, assertion);

        host.TokenService.Scope = "orders.write";
        host.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var afterExpiry = await host.WhoAmIAsync(assertion);
        using var token = await host.GetAsync("/token", assertion);

        Assert.Equal(["orders.write"], afterExpiry.Values(Saml2BearerDefaults.ScopeClaimType));
        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "2", await token.Content.ReadAsStringAsync());
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task FastPath_AssertionValidatedFailsOnARepeat_IsRejectedThoughAliased()
    {
        var refuse = false;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnAssertionValidated = context =>
        {
            if (Volatile.Read(ref refuse))
            {
                context.Fail("revoked");
            }

            return Task.CompletedTask;
        });
        var assertion = host.Assertion();
        await RepeatUntilAliasedAsync(host, assertion);

        Volatile.Write(ref refuse, true);
        using var response = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Theory]
    [InlineData("one character changed")]
    [InlineData("unsigned")]
    [InlineData("refused by OnAssertionValidated")]
    public async Task FastPath_RejectedInputSentRepeatedly_IsNeverRemembered(string variant)
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnAssertionValidated = context =>
        {
            if (context.Assertion.NameId.Value == "blocked@example.com")
            {
                context.Fail("blocked");
            }

            return Task.CompletedTask;
        });
        var input = variant switch
        {
            "one character changed" => Base64Mutation.ChangeOneCharacter(host.Assertion(), "alice@example.com"),
            "unsigned" => Saml2AssertionBuilder.Encode(host.NewAssertion().BuildUnsigned()),
            _ => host.Assertion(b => b.NameId = "blocked@example.com"),
        };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await host.GetAsync("/whoami", input);
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(0, host.TokenService.Calls);
        AssertNotRemembered(host, input);
    }

    [Fact]
    public async Task FastPath_AssertionAliasedByOneScheme_IsValidatedAfreshByAnotherAndRejectedByItsOptions()
    {
        Saml2AssertionFailureReason? reason = null;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Authentication = (authentication, time) => authentication
                .AddSaml2Bearer(o => Saml2BearerTestHost.ConfigureDefaults(o, fixture, time))
                .AddSaml2Bearer("Strict", null, o =>
                {
                    Saml2BearerTestHost.ConfigureDefaults(o, fixture, time);
                    o.Assertion.ValidAudiences.Clear();
                    o.Assertion.ValidAudiences.Add("https://other-as.example.com");
                    o.Events.OnAuthenticationFailed = context =>
                    {
                        reason = context.Failure.AssertionFailureReason;
                        return Task.CompletedTask;
                    };
                }),
            Endpoints = app => app.MapGet("/strict", () => "strict").RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = "Strict" }),
        });
        var assertion = host.Assertion();
        await RepeatUntilAliasedAsync(host, assertion);
        var strict = host.Options("Strict").State!;
        var sharedBeforeStrict = strict.AssertionCache.TryGetEncoded(assertion, out _);

        using var response = await host.GetAsync("/strict", assertion);

        Assert.NotSame(host.Options().State, strict);
        Assert.False(sharedBeforeStrict);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(Saml2AssertionFailureReason.AudienceInvalid, reason);
        Assert.Equal(1, host.TokenService.Calls);
        AssertNotRemembered(host, assertion, "Strict");
    }

    /// <summary>
    /// Sends <paramref name="assertion"/> three times: validated, found by its bytes (and aliased), then
    /// found by its characters; asserts each answer and that the alias is in place.
    /// </summary>
    private static async Task RepeatUntilAliasedAsync(Saml2BearerTestHost host, string assertion)
    {
        for (var i = 0; i < 3; i++)
        {
            using var response = await host.GetAsync("/whoami", assertion);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(host.Options().State!.AssertionCache.TryGetEncoded(assertion, out _));
    }

    private static void AssertNotRemembered(Saml2BearerTestHost host, string encoded, string scheme = Saml2BearerDefaults.AuthenticationScheme)
    {
        var cache = host.Options(scheme).State!.AssertionCache;
        Assert.False(cache.TryGetEncoded(encoded, out _));
        Assert.False(cache.TryGet(Convert.FromBase64String(encoded), out _));
    }
}
