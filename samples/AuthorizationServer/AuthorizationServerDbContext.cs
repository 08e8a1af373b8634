using Microsoft.EntityFrameworkCore;

namespace AuthorizationServer;

/// <summary>The OpenIddict store: applications, scopes, authorizations and tokens, in SQLite.</summary>
/// <param name="options">The context options.</param>
public sealed class AuthorizationServerDbContext(DbContextOptions<AuthorizationServerDbContext> options) : DbContext(options);
