using System.Collections.Concurrent;
using System.Security.Claims;
using AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>
/// The downstream resource server: knows nothing of SAML, accepts only Bearer JWTs from the authorization
/// server for <see cref="EndToEndFixture.BackendAudience"/> on <c>/me</c>, echoes the request headers on
/// <c>/echo/...</c> and headers and body of a POST on <c>/soap/...</c> (anonymous, for the gateway), and records every request it receives.
/// </summary>
public sealed class JwtBackend
{
    private int _rejectNextToken;

    public ConcurrentQueue<(string Path, string? Authorization)> Requests { get; } = new();

    public ConcurrentQueue<string> RejectedTokens { get; } = new();

    public int RequestCount => Requests.Count;

    /// <summary>The next request with a Bearer token gets 401 <c>invalid_token</c>, whatever the token.</summary>
    public void RejectNextToken() => Volatile.Write(ref _rejectNextToken, 1);

    public WebApplication Build(string url, string authority, InMemoryLoggerProvider logs, Action<string> recordSecret)
    {
        var builder = WebApplication.CreateBuilder(["--urls", url]);
        builder.Logging.AddProvider(logs);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.Authority = authority;
            options.Audience = EndToEndFixture.BackendAudience;
            options.RequireHttpsMetadata = false; // loopback only
            options.MapInboundClaims = false;
        });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            Requests.Enqueue((context.Request.Path.Value ?? "", authorization.Length == 0 ? null : authorization));
            if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                recordSecret(authorization["Bearer ".Length..]);
                if (Interlocked.Exchange(ref _rejectNextToken, 0) == 1)
                {
                    RejectedTokens.Enqueue(authorization["Bearer ".Length..]);
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The token was revoked\"";
                    return;
                }
            }

            await next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/me", (ClaimsPrincipal user) => Results.Json(new { sub = user.FindFirstValue("sub") })).RequireAuthorization();
        app.MapGet("/echo/{**rest}", (HttpRequest request) =>
            Results.Json(request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        app.MapPost("/soap/{**rest}", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            return Results.Json(new SoapEcho(request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
        });
        return app;
    }
}
