using System.Net;
using System.Net.Http.Headers;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>What a caller saw: status, body, challenges and <c>Retry-After</c>.</summary>
public sealed record ApiResponse(HttpStatusCode StatusCode, string Body, IReadOnlyList<string> Challenges, RetryConditionHeaderValue? RetryAfter)
{
    public string? Challenge => Challenges.Count == 0 ? null : Challenges[0];
}
