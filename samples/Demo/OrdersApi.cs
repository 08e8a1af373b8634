using System.Security.Claims;
using System.Xml;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Demo;

/// <summary>
/// The downstream resource server of step 7: it knows nothing of SAML and accepts only Bearer tokens
/// issued by the authorization server for the audience <see cref="Audience"/>; its SOAP endpoint is
/// reached through the gateway.
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

        // A SOAP service behind the gateway: it reports what reached it (the gateway must have removed the
        // caller's wsse:Security header and added a Bearer token).
        app.MapPost("/soap/orders", async (HttpRequest request, ClaimsPrincipal user) =>
        {
            using var body = new StreamReader(request.Body);
            var text = await body.ReadToEndAsync(request.HttpContext.RequestAborted);
            var envelope = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            using (var reader = XmlReader.Create(new StringReader(text), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
            {
                envelope.Load(reader);
            }

            return Results.Json(new
            {
                subject = user.FindFirstValue("sub"),
                authorization = request.Headers.Authorization.ToString().Split(' ')[0],
                soapVersion = envelope.DocumentElement?.NamespaceURI,
                securityHeaders = envelope.GetElementsByTagName("Security", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd").Count,
                samlAssertions = envelope.GetElementsByTagName("Assertion", "urn:oasis:names:tc:SAML:2.0:assertion").Count,
                customer = envelope.GetElementsByTagName("Customer", "urn:example:orders").Cast<XmlNode>().FirstOrDefault()?.InnerText,
            });
        }).RequireAuthorization("orders.read");
        return app;
    }
}
