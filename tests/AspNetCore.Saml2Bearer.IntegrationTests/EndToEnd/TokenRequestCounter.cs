using System.Text.Json;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>
/// Counts the token requests one API sends (a handler on its named token client, as the Demo does) and
/// hands every token the authorization server returns to <see cref="EndToEndFixture.RecordSecret"/>.
/// </summary>
public sealed class TokenRequestCounter(Action<string> recordSecret)
{
    private int _count;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _grantTypes = new();

    public int Count => Volatile.Read(ref _count);

    /// <summary>The <c>grant_type</c> of each token request, in order.</summary>
    public IReadOnlyCollection<string> GrantTypes => _grantTypes;

    public DelegatingHandler CreateHandler() => new CountingHandler(this);

    private sealed class CountingHandler(TokenRequestCounter counter) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            Interlocked.Increment(ref counter._count);
            if (request.Content is not null)
            {
                var form = System.Web.HttpUtility.ParseQueryString(await request.Content.ReadAsStringAsync(cancellationToken));
                counter._grantTypes.Enqueue(form["grant_type"] ?? string.Empty);
            }

            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            try
            {
                using var json = JsonDocument.Parse(body);
                foreach (var name in new[] { "access_token", "id_token", "refresh_token" })
                {
                    if (json.RootElement.ValueKind == JsonValueKind.Object
                        && json.RootElement.TryGetProperty(name, out var token)
                        && token.GetString() is { Length: > 0 } value)
                    {
                        counter.RecordSecret(value);
                    }
                }
            }
            catch (JsonException)
            {
                // Not a token response: nothing to remember.
            }

            return response;
        }
    }

    private void RecordSecret(string value) => recordSecret(value);
}
