using System.Security.Claims;
using AspNetCore.Saml2Bearer;

var builder = WebApplication.CreateBuilder(args);

builder.Services
    .AddAuthentication(Saml2BearerDefaults.AuthenticationScheme)
    .AddSaml2Bearer();                                   // bound from Authentication:Schemes:Saml2Bearer

builder.Services.AddAuthorizationBuilder()
    .AddPolicy("orders.read", p => p.RequireClaim("scope", "orders.read"));

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapGet("/whoami", (ClaimsPrincipal user) => user.Identity!.Name).RequireAuthorization();
app.MapGet("/orders", () => "...").RequireAuthorization("orders.read");
app.Run();
