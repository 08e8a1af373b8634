namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The one permitted transmission of a token request that carries a credential (an assertion, a refresh
/// token, a client secret). It travels in the request's <see cref="HttpRequestMessage.Options"/>, which
/// a retry re-sends and a hedging handler copies into its clones, so every attempt sees the same instance
/// and <see cref="TokenRequestSendGuardHandler"/> can let exactly one of them reach the network.
/// </summary>
internal sealed class TokenRequestTransmission
{
    /// <summary>The key under which the token service attaches the transmission to its request.</summary>
    public static readonly HttpRequestOptionsKey<TokenRequestTransmission> OptionsKey = new("AspNetCore.Saml2Bearer.TokenRequestTransmission");

    private const int NotSent = 0;
    private const int Sent = 1;

    private int _state;

    /// <summary>Claims the one transmission; false when an earlier attempt already has it.</summary>
    public bool TryBegin() => Interlocked.CompareExchange(ref _state, Sent, NotSent) == NotSent;

    /// <summary>
    /// Gives the transmission back after an attempt that provably never reached the server (the
    /// connection could not be made), so that the library's own retry may make it.
    /// </summary>
    public void NotDelivered() => Volatile.Write(ref _state, NotSent);
}
