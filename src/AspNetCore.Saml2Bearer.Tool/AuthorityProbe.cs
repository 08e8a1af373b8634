using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>
/// <c>saml2bearer check --authority</c>: fetches the authorization server's discovery document and JWKS the way
/// the handler would (GET, no redirects), then tries the token endpoint's TCP port and sends it a HEAD request.
/// Nothing is ever posted: no assertion, no client credential.
/// </summary>
internal static class AuthorityProbe
{
    private const string Saml2BearerGrant = Saml2BearerDefaults.GrantType;
    private const int MaximumDocumentLength = 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string authority, TextWriter output, HttpMessageHandler? handler, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var authorityUri) || authorityUri.Scheme is not ("https" or "http"))
        {
            await output.WriteLineAsync($"saml2bearer: --authority must be an absolute http(s) URL, not '{authority}'.").ConfigureAwait(false);
            return ToolExitCode.UsageError;
        }

        var report = new CheckReport(output);
        report.Heading("authority", authorityUri.AbsoluteUri);
        if (authorityUri.Scheme == Uri.UriSchemeHttp && !authorityUri.IsLoopback)
        {
            report.Heading("note", "plain HTTP beyond loopback: the handler refuses it unless RequireHttpsMetadata is false");
        }

        report.Blank();
        using var client = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = Timeout };
        var healthy = true;

        var metadataAddress = new Uri(authorityUri.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration");
        var (discovery, discoveryLines) = await GetJsonAsync(client, metadataAddress, cancellationToken).ConfigureAwait(false);
        string? tokenEndpoint = null;
        string? jwksUri = null;
        if (discovery is not null)
        {
            using (discovery)
            {
                var root = discovery.RootElement;
                var issuer = String(root, "issuer");
                tokenEndpoint = String(root, "token_endpoint");
                jwksUri = String(root, "jwks_uri");
                var issuerMatches = issuer is not null && string.Equals(issuer.TrimEnd('/'), authorityUri.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);
                discoveryLines.Add(("issuer", CheckReport.Untrusted(issuer) + (issuerMatches ? "  (the Authority)" : "  <- differs from the Authority: tokens are validated against this issuer")));
                discoveryLines.Add(("token_endpoint", CheckReport.Untrusted(tokenEndpoint)));
                discoveryLines.Add(("jwks_uri", CheckReport.Untrusted(jwksUri)));
                var grants = Strings(root, "grant_types_supported");
                discoveryLines.Add(("saml2-bearer grant", grants is null ? "(grant_types_supported not listed)" : grants.Contains(Saml2BearerGrant) ? "advertised" : "NOT advertised in grant_types_supported"));
                if (Strings(root, "token_endpoint_auth_methods_supported") is { } methods)
                {
                    discoveryLines.Add(("client auth", string.Join(", ", methods.Select(CheckReport.Untrusted))));
                }

                healthy &= tokenEndpoint is not null && jwksUri is not null;
            }
        }
        else
        {
            healthy = false;
        }

        report.Check(discovery is not null && tokenEndpoint is not null ? CheckStatus.Pass : CheckStatus.Fail, "discovery", discoveryLines);

        if (jwksUri is not null && Uri.TryCreate(jwksUri, UriKind.Absolute, out var jwksAddress))
        {
            var (jwks, jwksLines) = await GetJsonAsync(client, jwksAddress, cancellationToken).ConfigureAwait(false);
            var keyCount = 0;
            if (jwks is not null)
            {
                using (jwks)
                {
                    if (jwks.RootElement.ValueKind == JsonValueKind.Object && jwks.RootElement.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var key in keys.EnumerateArray())
                        {
                            keyCount++;
                            jwksLines.Add((keyCount == 1 ? "keys" : string.Empty,
                                $"kid {CheckReport.Untrusted(String(key, "kid"))} kty {CheckReport.Untrusted(String(key, "kty"))} alg {CheckReport.Untrusted(String(key, "alg"))} use {CheckReport.Untrusted(String(key, "use"))}"));
                        }
                    }

                    if (keyCount == 0)
                    {
                        jwksLines.Add(("keys", "none: JWT access tokens and id_tokens cannot be validated"));
                    }
                }
            }

            healthy &= keyCount > 0;
            report.Check(keyCount > 0 ? CheckStatus.Pass : CheckStatus.Fail, "jwks", jwksLines);
        }
        else
        {
            report.Check(CheckStatus.NotChecked, "jwks", [("address", "(no jwks_uri to fetch)")]);
        }

        if (tokenEndpoint is not null && Uri.TryCreate(tokenEndpoint, UriKind.Absolute, out var tokenAddress) && tokenAddress.Scheme is "https" or "http")
        {
            var reachable = await ProbeTokenEndpointAsync(client, tokenAddress, handler is null, report, cancellationToken).ConfigureAwait(false);
            healthy &= reachable;
        }
        else
        {
            healthy = false;
            report.Check(CheckStatus.Fail, "token", [("address", "no usable token_endpoint in the discovery document")]);
        }

        report.Blank();
        report.Heading("verdict", healthy ? "REACHABLE: discovery, JWKS and the token endpoint answered" : "UNREACHABLE or incomplete: see the FAIL lines");
        return healthy ? ToolExitCode.Valid : ToolExitCode.Invalid;
    }

    private static async Task<(JsonDocument? Document, List<(string, string)> Lines)> GetJsonAsync(HttpClient client, Uri address, CancellationToken cancellationToken)
    {
        var lines = new List<(string, string)> { ("GET", address.AbsoluteUri) };
        try
        {
            using var response = await client.GetAsync(address, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                lines.Add(("answer", $"HTTP {(int)response.StatusCode}, a redirect to {CheckReport.Untrusted(response.Headers.Location?.ToString())}: the handler never follows redirects"));
                return (null, lines);
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                lines.Add(("answer", $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"));
                return (null, lines);
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new MemoryStream();
                await CopyAtMostAsync(stream, buffer, MaximumDocumentLength, cancellationToken).ConfigureAwait(false);
                var document = JsonDocument.Parse(buffer.ToArray());
                lines.Add(("answer", $"HTTP 200, {buffer.Length} bytes of JSON"));
                return (document, lines);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException or InvalidDataException)
        {
            lines.Add(("answer", exception is TaskCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : $"failed: {exception.GetType().Name}: {exception.Message}"));
            return (null, lines);
        }
    }

    private static async Task CopyAtMostAsync(Stream source, Stream destination, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (destination.Length + read > limit)
            {
                throw new InvalidDataException($"the document is larger than {limit} bytes.");
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A TCP connection to the endpoint's port, then a HEAD request: neither carries an assertion or a credential.</summary>
    private static async Task<bool> ProbeTokenEndpointAsync(HttpClient client, Uri address, bool probeTcp, CheckReport report, CancellationToken cancellationToken)
    {
        var lines = new List<(string, string)> { ("address", address.AbsoluteUri) };
        var tcp = true;
        if (probeTcp)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await socket.ConnectAsync(address.DnsSafeHost, address.Port, timeout.Token).ConfigureAwait(false);
                lines.Add(("TCP", $"port {address.Port} accepts connections"));
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException)
            {
                tcp = false;
                lines.Add(("TCP", $"port {address.Port}: {(exception is SocketException socketException ? socketException.SocketErrorCode.ToString() : "no answer within 5 s")}"));
            }
        }

        var http = false;
        if (tcp)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Head, address);
                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                http = (int)response.StatusCode < 500;
                lines.Add(("HEAD", $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}" + (http ? " (the server answers; 405 or 400 are usual for a token endpoint)" : ": the server is failing")));
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                lines.Add(("HEAD", exception is TaskCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : $"failed: {exception.Message}"));
            }
        }

        lines.Add(("posted", "nothing (no assertion, no client credential)"));
        report.Check(tcp && http ? CheckStatus.Pass : CheckStatus.Fail, "token", lines);
        return tcp && http;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static List<string>? Strings(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : null;
}
