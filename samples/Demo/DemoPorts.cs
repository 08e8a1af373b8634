using System.Net;
using System.Net.Sockets;

namespace Demo;

/// <summary>Free loopback ports for the in-process servers.</summary>
internal static class DemoPorts
{
    public static string NextLoopbackUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
