using System.Net;
using System.Text;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// Answers every request with <see cref="ResponseBody"/> and records the requested addresses. No network.
/// </summary>
public sealed class RecordingHttpMessageHandler : HttpMessageHandler
{
    private readonly List<Uri> _requests = [];

    /// <summary>The body of the next answers; may be changed between requests.</summary>
    public string ResponseBody { get; set; } = string.Empty;

    public string MediaType { get; set; } = "application/samlmetadata+xml";

    public IReadOnlyList<Uri> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToArray();
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add(request.RequestUri!);
        }

        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(ResponseBody, Encoding.UTF8, MediaType),
            RequestMessage = request,
        });
    }
}
