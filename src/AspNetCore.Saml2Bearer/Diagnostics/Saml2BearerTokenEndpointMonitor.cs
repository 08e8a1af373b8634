using System.Collections.Concurrent;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>The <see cref="Saml2BearerTokenEndpointState"/> of each scheme; a singleton.</summary>
internal sealed class Saml2BearerTokenEndpointMonitor
{
    private readonly ConcurrentDictionary<string, Saml2BearerTokenEndpointState> _schemes = new(StringComparer.Ordinal);

    public Saml2BearerTokenEndpointState For(string scheme) => _schemes.GetOrAdd(scheme, static _ => new Saml2BearerTokenEndpointState());
}
