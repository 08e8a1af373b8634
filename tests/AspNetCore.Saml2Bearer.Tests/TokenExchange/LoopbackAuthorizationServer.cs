using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

/// <summary>
/// A real Kestrel server on <c>http://127.0.0.1:0</c> playing the authorization server: it records every
/// request to <c>/token</c> (or <see cref="TokenPath"/>) and answers with <see cref="TokenEndpoint"/>'s handler,
/// serves a discovery document at <c>/.well-known/openid-configuration</c> (or <see cref="MetadataPath"/>)
/// and any other <see cref="Documents"/>.
/// </summary>
public sealed class LoopbackAuthorizationServer : IAsyncDisposable
{
    public const string DefaultAccessToken = "AT-loopback-4f1c9e";

    private readonly ConcurrentQueue<RecordedTokenRequest> _tokenRequests = new();
    private readonly WebApplication _app;
    private int _metadataRequests;

    private LoopbackAuthorizationServer(WebApplication app, Func<HttpContext, Task> tokenEndpoint)
    {
        _app = app;
        TokenEndpointHandler = tokenEndpoint;
    }

    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>The path of the token endpoint. Default: <c>/token</c>; a preset test sets the path its server uses.</summary>
    public string TokenPath { get; set; } = "/token";

    /// <summary>The path of the discovery document. Default: <c>/.well-known/openid-configuration</c>.</summary>
    public string MetadataPath { get; set; } = "/.well-known/openid-configuration";

    /// <summary>More documents by path (a JWKS, say), answered without being recorded.</summary>
    public IDictionary<string, Func<HttpContext, Task>> Documents { get; } = new ConcurrentDictionary<string, Func<HttpContext, Task>>(StringComparer.Ordinal);

    public Uri TokenEndpoint => new(BaseAddress, TokenPath);

    public Uri MetadataAddress => new(BaseAddress, MetadataPath);

    /// <summary>Answers requests to <c>/token</c>, after they have been recorded.</summary>
    public Func<HttpContext, Task> TokenEndpointHandler { get; set; }

    /// <summary>Answers requests to the discovery document. Default: a document naming <see cref="TokenEndpoint"/>.</summary>
    public Func<HttpContext, Task>? MetadataHandler { get; set; }

    public IReadOnlyList<RecordedTokenRequest> TokenRequests => _tokenRequests.ToArray();

    public int MetadataRequests => Volatile.Read(ref _metadataRequests);

    public static async Task<LoopbackAuthorizationServer> StartAsync(Func<HttpContext, Task>? tokenEndpoint = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");

        var server = new LoopbackAuthorizationServer(app, tokenEndpoint ?? RespondJson(200, $$"""{"access_token":"{{DefaultAccessToken}}","token_type":"Bearer","expires_in":3600}"""));
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.Single());
        return server;
    }

    public static Func<HttpContext, Task> RespondJson(int statusCode, string json, Action<HttpResponse>? configure = null) =>
        Respond(statusCode, json, "application/json", configure);

    public static Func<HttpContext, Task> Respond(int statusCode, string body, string contentType, Action<HttpResponse>? configure = null) =>
        async context =>
        {
            context.Response.StatusCode = statusCode;
            context.Response.ContentType = contentType;
            configure?.Invoke(context.Response);
            await context.Response.WriteAsync(body);
        };

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == TokenPath)
        {
            _tokenRequests.Enqueue(await RecordAsync(context.Request));
            await TokenEndpointHandler(context);
            return;
        }

        if (context.Request.Path == MetadataPath)
        {
            Interlocked.Increment(ref _metadataRequests);
            await (MetadataHandler ?? RespondJson(200, $$"""{"issuer":"{{BaseAddress.AbsoluteUri}}","token_endpoint":"{{TokenEndpoint.AbsoluteUri}}"}"""))(context);
            return;
        }

        if (Documents.TryGetValue(context.Request.Path.Value ?? string.Empty, out var document))
        {
            await document(context);
            return;
        }

        context.Response.StatusCode = 404;
    }

    // Field names compared ordinally, as an authorization server may: "Grant_Type" is not "grant_type".
    private static Dictionary<string, StringValues> ParseForm(string body)
    {
        var form = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(separator < 0 ? pair : pair[..separator]);
            var value = separator < 0 ? string.Empty : Decode(pair[(separator + 1)..]);
            form[name] = form.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }

        return form;

        static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
    }

    private static async Task<RecordedTokenRequest> RecordAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var rawBody = await reader.ReadToEndAsync();
        return new RecordedTokenRequest
        {
            Method = request.Method,
            Path = request.Path.Value ?? string.Empty,
            ContentType = request.ContentType,
            Accept = request.Headers.Accept.ToString(),
            Authorization = request.Headers.Authorization.Count == 0 ? null : request.Headers.Authorization.ToString(),
            RawBody = rawBody,
            Form = ParseForm(rawBody),
            Headers = request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase),
        };
    }
}
