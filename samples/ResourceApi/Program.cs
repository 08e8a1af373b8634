// The black-box contract of DESIGN.md: configuration from Authentication:Schemes:Saml2Bearer
// (environment variables with "__"), GET /ping anonymous, GET /whoami behind the SAML scheme.
using System.Security.Claims;
using AspNetCore.Saml2Bearer;

var builder = WebApplication.CreateBuilder(args);

builder.Services
    .AddAuthentication(Saml2BearerDefaults.AuthenticationScheme)
    .AddSaml2Bearer();

builder.Services.AddAuthorizationBuilder()
    .AddPolicy("orders.read", policy => policy.RequireAuthenticatedUser().RequireClaim(Saml2BearerDefaults.ScopeClaimType, "orders.read"));

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();

app.MapGet("/ping", () => "pong").AllowAnonymous();

app.MapGet("/whoami", (ClaimsPrincipal user) => Results.Json(new
{
    name = user.Identity?.Name,
    claims = user.Claims.Select(c => new { type = c.Type, value = c.Value }),
})).RequireAuthorization();

app.MapGet("/orders", (ClaimsPrincipal user) => Results.Json(new
{
    owner = user.Identity?.Name,
    orders = new[] { new { id = 1, item = "SAML bearer grant, one each" } },
})).RequireAuthorization("orders.read");

app.Run();

/// <summary>The entry point, visible to integration tests.</summary>
public partial class Program;
