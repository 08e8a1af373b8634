using System.Net;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

public sealed class TokenRequestSendGuardHandlerTests
{
    [Fact]
    public async Task SendAsync_RequestWithoutTransmission_IsSentEveryTime()
    {
        var network = new CountingNetwork();
        using var invoker = new HttpMessageInvoker(new TokenRequestSendGuardHandler { InnerHandler = network });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/jwks");

        using var first = await invoker.SendAsync(request, CancellationToken.None);
        using var second = await invoker.SendAsync(request, CancellationToken.None);

        Assert.Equal(2, network.Sends);
    }

    [Fact]
    public async Task SendAsync_TokenRequestSentTwice_SecondAttemptRefusedBeforeTheNetwork()
    {
        var network = new CountingNetwork { StatusCode = HttpStatusCode.ServiceUnavailable };
        using var invoker = new HttpMessageInvoker(new TokenRequestSendGuardHandler { InnerHandler = network });
        using var request = NewTokenRequest();

        using var first = await invoker.SendAsync(request, CancellationToken.None);
        await Assert.ThrowsAsync<TokenRequestResentException>(() => invoker.SendAsync(request, CancellationToken.None));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(1, network.Sends);
    }

    [Fact]
    public async Task SendAsync_CloneSharingTheOptions_IsRefused()
    {
        // A hedging handler sends copies of the request that carry the original's options.
        var network = new CountingNetwork();
        using var invoker = new HttpMessageInvoker(new TokenRequestSendGuardHandler { InnerHandler = network });
        using var original = NewTokenRequest();
        using var clone = new HttpRequestMessage(original.Method, original.RequestUri);
        clone.Options.Set(TokenRequestTransmission.OptionsKey, original.Options.TryGetValue(TokenRequestTransmission.OptionsKey, out var transmission) ? transmission : null!);

        using var first = await invoker.SendAsync(original, CancellationToken.None);
        await Assert.ThrowsAsync<TokenRequestResentException>(() => invoker.SendAsync(clone, CancellationToken.None));

        Assert.Equal(1, network.Sends);
    }

    [Fact]
    public async Task SendAsync_ConcurrentAttempts_OnlyOneReachesTheNetwork()
    {
        var network = new CountingNetwork { Delay = TimeSpan.FromMilliseconds(50) };
        using var invoker = new HttpMessageInvoker(new TokenRequestSendGuardHandler { InnerHandler = network });
        using var request = NewTokenRequest();

        var attempts = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                using var response = await invoker.SendAsync(request, CancellationToken.None);
                return true;
            }
            catch (TokenRequestResentException)
            {
                return false;
            }
        })).ToArray();
        var sent = await Task.WhenAll(attempts);

        Assert.Equal(1, sent.Count(s => s));
        Assert.Equal(1, network.Sends);
    }

    [Fact]
    public async Task SendAsync_ConnectionFailed_TheTransmissionMayBeRetried()
    {
        // The connection was never made, so nothing reached the server: the library's own retry may send it.
        var network = new CountingNetwork { FailFirstConnection = true };
        using var invoker = new HttpMessageInvoker(new TokenRequestSendGuardHandler { InnerHandler = network });
        using var request = NewTokenRequest();

        var exception = await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, CancellationToken.None));
        using var retried = await invoker.SendAsync(request, CancellationToken.None);

        Assert.Equal(HttpRequestError.ConnectionError, exception.HttpRequestError);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(2, network.Sends);
    }

    [Fact]
    public async Task SendAsync_FailedAfterTheConnection_IsNotRetried()
    {
        // The request may have arrived (the response was lost): it must not be sent again.
        var network = new CountingNetwork { FailFirstResponse = true };
        using var invoker = new HttpMessageInvoker(new TokenRequestSendGuardHandler { InnerHandler = network });
        using var request = NewTokenRequest();

        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, CancellationToken.None));
        await Assert.ThrowsAsync<TokenRequestResentException>(() => invoker.SendAsync(request, CancellationToken.None));

        Assert.Equal(1, network.Sends);
    }

    private static HttpRequestMessage NewTokenRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", Saml2BearerDefaults.GrantType)]),
        };
        request.Options.Set(TokenRequestTransmission.OptionsKey, new TokenRequestTransmission());
        return request;
    }

    private sealed class CountingNetwork : HttpMessageHandler
    {
        private int _sends;

        public HttpStatusCode StatusCode { get; init; } = HttpStatusCode.OK;

        public TimeSpan Delay { get; init; }

        public bool FailFirstConnection { get; init; }

        public bool FailFirstResponse { get; init; }

        public int Sends => Volatile.Read(ref _sends);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var sends = Interlocked.Increment(ref _sends);
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            if (sends == 1 && FailFirstConnection)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "connection refused");
            }

            if (sends == 1 && FailFirstResponse)
            {
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "response ended");
            }

            return new HttpResponseMessage(StatusCode) { RequestMessage = request };
        }
    }
}
