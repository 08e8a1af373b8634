using Microsoft.Data.Sqlite;

namespace AuthorizationServer;

/// <summary>
/// Holds one connection to a shared in-memory SQLite database open, so the database lives as long as
/// the application; every context opens its own connection to it.
/// </summary>
internal sealed class SqliteKeepAlive : IDisposable
{
    private readonly SqliteConnection _connection;

    public SqliteKeepAlive(string connectionString)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
    }

    public void Dispose() => _connection.Dispose();
}
