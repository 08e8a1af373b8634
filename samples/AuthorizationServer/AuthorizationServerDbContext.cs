using Microsoft.EntityFrameworkCore;

namespace AuthorizationServer;

/// <summary>
/// The OpenIddict store (applications, scopes, authorizations and tokens) and the used assertions
/// (the replay store that the server's instances share), in SQLite.
/// </summary>
/// <param name="options">The context options.</param>
public sealed class AuthorizationServerDbContext(DbContextOptions<AuthorizationServerDbContext> options) : DbContext(options)
{
    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.AddSaml2AssertionReplayEntries();
    }
}
