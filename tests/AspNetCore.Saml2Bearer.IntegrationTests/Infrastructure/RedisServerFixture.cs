using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;

/// <summary>
/// A real redis-server of its own on a free loopback port, without persistence, started before the tests
/// and killed after them; it can be stopped and started again on the same port mid-test. A machine
/// without redis-server fails the tests (build/test.sh installs it): they are never skipped.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly string _directory = Directory.CreateTempSubdirectory("saml2bearer-redis-").FullName;
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>A StackExchange.Redis configuration string for this server; the client reconnects by itself.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    public async Task InitializeAsync()
    {
        Port = FindFreePort();
        await StartAsync();
    }

    /// <summary>Starts redis-server on <see cref="Port"/> and waits until it answers PING.</summary>
    public async Task StartAsync()
    {
        var executable = FindOnPath("redis-server")
            ?? throw new InvalidOperationException(
                "redis-server is not installed, and the Redis integration tests need a real one: run build/test.sh, which installs Debian's redis-server, or 'apt-get install redis-server'.");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var waited = Stopwatch.StartNew();
        while (!await AnswersPingAsync())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} before answering on port {Port}.");
            }

            if (waited.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within {StartTimeout}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Kills the server (as a crash would) and waits for it to be gone.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty temp folder is harmless.
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
