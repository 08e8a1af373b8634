using System.Net.Http;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The innermost handler of the token endpoint client: a token request that carries a
/// <see cref="TokenRequestTransmission"/> leaves for the network once. Any second attempt — a retry or a
/// hedged copy made by a handler outside this library's pipeline — is refused with
/// <see cref="TokenRequestResentException"/> before it is sent, because the authorization server may
/// already have consumed the assertion (and a re-post repeats the client secret). Only an attempt whose
/// connection failed before anything was sent gives the transmission back.
/// </summary>
internal sealed class TokenRequestSendGuardHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(TokenRequestTransmission.OptionsKey, out var transmission))
        {
            // Discovery and JWKS reads carry no credential: nothing to guard.
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (!transmission.TryBegin())
        {
            throw new TokenRequestResentException();
        }

        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception) when (exception.HttpRequestError == HttpRequestError.ConnectionError)
        {
            transmission.NotDelivered();
            throw;
        }
    }
}
