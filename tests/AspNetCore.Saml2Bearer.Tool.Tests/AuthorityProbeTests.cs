using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tool.Tests;

/// <summary>
/// <c>saml2bearer check --authority</c> against a loopback authorization server: discovery, JWKS and the token
/// endpoint are reported, and nothing is ever posted to the token endpoint.
/// </summary>
public sealed class AuthorityProbeTests
{
    [Fact]
    public async Task CheckAuthority_WorkingServer_ReportsEveryEndpointAndPostsNothing()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(serveJwks: true);

        var (exitCode, output) = await RunAsync("check", "--authority", server.Authority);

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.Contains("[ ok ] discovery", output, StringComparison.Ordinal);
        Assert.Contains($"token_endpoint      \"{server.Authority}connect/token\"", output, StringComparison.Ordinal);
        Assert.Contains("saml2-bearer grant  advertised", output, StringComparison.Ordinal);
        Assert.Contains("[ ok ] jwks", output, StringComparison.Ordinal);
        Assert.Contains("kid \"key-1\" kty \"RSA\"", output, StringComparison.Ordinal);
        Assert.Contains("[ ok ] token", output, StringComparison.Ordinal);
        Assert.Contains("accepts connections", output, StringComparison.Ordinal);
        Assert.Contains("HEAD                HTTP 405", output, StringComparison.Ordinal);
        Assert.Equal(["HEAD"], server.TokenEndpointMethods);
        Assert.DoesNotContain(server.Requests, r => r.HadAuthorization || r.HadBody);
    }

    [Fact]
    public async Task CheckAuthority_JwksMissing_Exits1()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(serveJwks: false);

        var (exitCode, output) = await RunAsync("check", "--authority", server.Authority);

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.Contains("[FAIL] jwks", output, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAuthority_NothingListens_Exits1()
    {
        string authority;
        await using (var server = await LoopbackAuthorizationServer.StartAsync(serveJwks: true))
        {
            authority = server.Authority;
        }

        var (exitCode, output) = await RunAsync("check", "--authority", authority);

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.Contains("[FAIL] discovery", output, StringComparison.Ordinal);
        Assert.Contains("UNREACHABLE", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAuthority_NotAUrl_Exits2()
    {
        var (exitCode, _) = await RunAsync("check", "--authority", "as.example.com");

        Assert.Equal(ToolExitCode.UsageError, exitCode);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        var exitCode = await Saml2BearerTool.RunAsync(args, output, TimeProvider.System, TextReader.Null, CancellationToken.None);
        return (exitCode, output.ToString());
    }

    /// <summary>Discovery, JWKS and a token endpoint that records every request and answers 405 to all but POST.</summary>
    private sealed class LoopbackAuthorizationServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<RecordedRequest> _requests = new();

        private LoopbackAuthorizationServer(WebApplication app, string authority)
        {
            _app = app;
            Authority = authority;
        }

        public string Authority { get; }

        public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

        public IReadOnlyList<string> TokenEndpointMethods => [.. _requests.Where(r => r.Path == "/connect/token").Select(r => r.Method)];

        public static async Task<LoopbackAuthorizationServer> StartAsync(bool serveJwks)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            LoopbackAuthorizationServer? server = null;
            app.Use(async (context, next) =>
            {
                server!._requests.Enqueue(new RecordedRequest(
                    context.Request.Method,
                    context.Request.Path.Value ?? string.Empty,
                    context.Request.Headers.Authorization.Count > 0,
                    context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0));
                await next(context);
            });
            app.MapGet("/.well-known/openid-configuration", (HttpContext context) =>
            {
                var issuer = $"{context.Request.Scheme}://{context.Request.Host}/";
                return Results.Json(new Dictionary<string, object>
                {
                    ["issuer"] = issuer,
                    ["token_endpoint"] = issuer + "connect/token",
                    ["jwks_uri"] = issuer + ".well-known/jwks",
                    ["grant_types_supported"] = new[] { "urn:ietf:params:oauth:grant-type:saml2-bearer", "refresh_token" },
                    ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic" },
                });
            });
            if (serveJwks)
            {
                app.MapGet("/.well-known/jwks", () => Results.Json(new { keys = new[] { new { kid = "key-1", kty = "RSA", alg = "RS256", use = "sig", n = "AQAB", e = "AQAB" } } }));
            }

            app.Map("/connect/token", (HttpContext context) => Results.StatusCode(HttpMethods.IsPost(context.Request.Method) ? 400 : 405));
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            server = new LoopbackAuthorizationServer(app, address.TrimEnd('/') + "/");
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    internal sealed record RecordedRequest(string Method, string Path, bool HadAuthorization, bool HadBody);
}
