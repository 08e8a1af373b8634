namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Thrown by <see cref="TokenRequestSendGuardHandler"/> when something outside this library's pipeline
/// tries to send a token request a second time. Not an <see cref="HttpRequestException"/>, so that the
/// retry strategies of host-wide handlers do not treat it as transient and try yet again.
/// </summary>
internal sealed class TokenRequestResentException : InvalidOperationException
{
    public TokenRequestResentException()
        : base("A handler outside AspNetCore.Saml2Bearer's pipeline tried to send a token request a second time; it was refused, because the authorization server may already have consumed the assertion.")
    {
    }
}
