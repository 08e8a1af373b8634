using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Demo;

/// <summary>
/// The downstream resource server of step 7: it knows nothing of SAML and accepts only Bearer tokens
/// issued by the authorization server for the audience <see cref="Audience"/>.
/// </summary>
internal static class OrdersApi
{
    public const string Audience = "orders-api";

    public static WebApplication Build(string url, string authority)
    {
        var builder = WebApplication.CreateBuilder(["--urls", url]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.Authority = authority;
            options.Audience = Audience;
            options.RequireHttpsMetadata = false; // loopback only
            options.MapInboundClaims = false;
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy("orders.read", policy => policy.RequireAuthenticatedUser().RequireAssertion(context =>
                context.User.FindAll("scope").Any(c => c.Value.Split(' ').Contains("orders.read"))));

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/orders", (ClaimsPrincipal user) => Results.Json(new
        {
            subject = user.FindFirstValue("sub"),
            orders = new[] { new { id = 42, item = "An RFC 7522 grant, framed" } },
        })).RequireAuthorization("orders.read");
        return app;
    }
}
