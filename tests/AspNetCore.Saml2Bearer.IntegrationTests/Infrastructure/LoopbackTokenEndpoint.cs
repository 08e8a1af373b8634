using System.Collections.Concurrent;
using System.Xml;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;

/// <summary>
/// A tiny token endpoint on Kestrel, 127.0.0.1 and a free port: it counts the RFC 7522 token requests,
/// answers each (after a short delay, which widens any race) with a fresh opaque access token, and
/// remembers which NameID each token was issued for.
/// </summary>
public sealed class LoopbackTokenEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LoopbackTokenEndpoint(WebApplication app)
    {
        _app = app;
    }

    public Uri TokenUri { get; private set; } = default!;

    /// <summary>The number of token requests received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Issued access token -> the NameID it was issued for.</summary>
    public ConcurrentDictionary<string, string> IssuedTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>How long each answer takes.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(200);

    public static async Task<LoopbackTokenEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var endpoint = new LoopbackTokenEndpoint(app);
        app.MapPost("/oauth2/token", endpoint.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        endpoint.TokenUri = new Uri(address.TrimEnd('/') + "/oauth2/token");
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        Interlocked.Increment(ref _requests);
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:saml2-bearer" || string.IsNullOrEmpty(form["assertion"]))
        {
            return Results.Json(new { error = "invalid_request" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var document = new XmlDocument { XmlResolver = null };
        document.LoadXml(System.Text.Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(form["assertion"]!)));
        var nameId = document.GetElementsByTagName("NameID", Saml2AssertionBuilder.AssertionNs)[0]!.InnerText;

        await Task.Delay(Delay);
        var accessToken = "at-" + Guid.NewGuid().ToString("N");
        IssuedTokens[accessToken] = nameId;
        return Results.Json(new { access_token = accessToken, token_type = "Bearer", expires_in = 3600, scope = "orders.read" });
    }
}
