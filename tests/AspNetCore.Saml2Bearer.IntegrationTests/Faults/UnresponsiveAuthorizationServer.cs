using System.Net;
using System.Net.Sockets;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// An authorization server that hangs the way a stuck process does: its port listens with a deep
/// backlog, so the kernel completes every TCP handshake and takes the request bytes, but nothing ever
/// reads them or answers. It costs the test process nothing per connection, as a remote server would.
/// </summary>
public sealed class UnresponsiveAuthorizationServer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public UnresponsiveAuthorizationServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4096);
    }

    public string TokenEndpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}/token";

    public void Dispose() => _listener.Dispose();
}
