using System.Security.Claims;
using AspNetCore.Saml2Bearer;
using Microsoft.AspNetCore.DataProtection;

namespace ResourceApi;

/// <summary>
/// The ResourceApi sample as a reusable builder, so the Demo and the integration tests can host it in
/// process with the same endpoints that the black-box contract describes.
/// </summary>
public static class ResourceApiApp
{
    /// <summary>The policy of <c>GET /orders</c>: the granted scope <c>orders.read</c>.</summary>
    public const string OrdersReadPolicy = "orders.read";

    /// <summary>Builds the application.</summary>
    /// <param name="args">Command-line arguments (e.g. <c>--urls</c>).</param>
    /// <param name="configure">Changes services or configuration before the app is built.</param>
    /// <param name="mapEndpoints">Maps further endpoints (the Demo adds a downstream call).</param>
    /// <returns>The application, not yet started.</returns>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? mapEndpoints = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.Services
            .AddAuthentication(Saml2BearerDefaults.AuthenticationScheme)
            .AddSaml2Bearer();
        AddRedis(builder);

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OrdersReadPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim(Saml2BearerDefaults.ScopeClaimType, "orders.read"));

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/ping", () => "pong").AllowAnonymous();

        app.MapGet("/whoami", WhoAmI).RequireAuthorization();

        // The same answer for a POST: a SOAP caller (AllowSoapSecurityHeader) or a header-sent assertion.
        app.MapPost("/whoami", WhoAmI).RequireAuthorization();

        app.MapGet("/orders", (ClaimsPrincipal user) => Results.Json(new
        {
            owner = user.Identity?.Name,
            orders = new[] { new { id = 1, item = "SAML bearer grant, one each" } },
        })).RequireAuthorization(OrdersReadPolicy);

        mapEndpoints?.Invoke(app);
        return app;
    }

    private static IResult WhoAmI(ClaimsPrincipal user) => Results.Json(new
    {
        name = user.Identity?.Name,
        claims = user.Claims.Select(c => new { type = c.Type, value = c.Value }),
    });

    /// <summary>
    /// With <c>ConnectionStrings:Redis</c>: Redis as the token cache's L2 (entries encrypted with Data
    /// Protection), the Data Protection key ring in Redis so instances read each other's entries, and the
    /// cross-instance exchange lock, all on one connection (AspNetCore.Saml2Bearer.StackExchangeRedis).
    /// </summary>
    private static void AddRedis(WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetConnectionString("Redis") is not { Length: > 0 } redis)
        {
            return;
        }

        // abortConnect=false is always applied: the API starts, and serves from memory and the exchange,
        // while Redis is down.
        builder.Services.AddSaml2BearerRedis(options =>
        {
            options.Configuration = redis;
            options.InstanceName = builder.Configuration["Redis:InstanceName"];
        });
        builder.Services.AddDataProtection().SetApplicationName("AspNetCore.Saml2Bearer.ResourceApi");
    }
}
