namespace AspNetCore.Saml2Bearer.Downstream;

/// <summary>
/// Options of the <see cref="System.Net.Http.HttpClient"/> handler that calls downstream APIs with the
/// current user's exchanged access token.
/// </summary>
public sealed class Saml2BearerDownstreamOptions
{
    /// <summary>The scheme whose token is attached. Default: <see cref="Saml2BearerDefaults.AuthenticationScheme"/>.</summary>
    public string AuthenticationScheme { get; set; } = Saml2BearerDefaults.AuthenticationScheme;

    /// <summary>
    /// The hosts (compared case-insensitively, without port) the token may be sent to. A request to any
    /// other host fails before anything is sent. Must not be empty.
    /// </summary>
    public ISet<string> AllowedHosts { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the token may be sent over plain HTTP to a non-loopback host. Default: false.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Whether a downstream 401 with <c>error="invalid_token"</c> evicts the cached token, exchanges the
    /// assertion again and retries the request once. Default: true.
    /// </summary>
    public bool RetryOnInvalidToken { get; set; } = true;
}
