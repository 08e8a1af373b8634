using System.Net;
using System.Net.Sockets;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// A TCP listener on 127.0.0.1 that counts every connection and answers each with an empty HTTP 404,
/// so a fetch that should never happen is recorded instead of hanging the test.
/// </summary>
public sealed class RecordingTcpListener : IDisposable
{
    private static readonly byte[] Response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public RecordingTcpListener()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>A URL on this listener.</summary>
    public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path}");

    /// <summary>How many connections were accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _connections);
                await client.GetStream().WriteAsync(Response, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
