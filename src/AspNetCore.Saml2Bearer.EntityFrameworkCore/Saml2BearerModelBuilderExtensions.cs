using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Adds the assertion replay store's table to an application's Entity Framework Core model.</summary>
public static class Saml2BearerModelBuilderExtensions
{
    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "Saml2AssertionReplayEntries";

    private static readonly ValueConverter<DateTimeOffset, long> UnixMilliseconds = new(
        value => value.ToUnixTimeMilliseconds(),
        value => DateTimeOffset.FromUnixTimeMilliseconds(value));

    /// <summary>
    /// Maps <see cref="Saml2AssertionReplayEntry"/>: a table keyed by the 64-character hash (the unique key
    /// whose violation means a replay), with the expiry in Unix milliseconds and an index on it for the
    /// purge of expired rows. Call it from <c>OnModelCreating</c> of the context passed to
    /// <c>AddSaml2BearerDbContextReplayStore&lt;TContext&gt;()</c>, then add a migration (or let
    /// <c>EnsureCreated</c> create it).
    /// </summary>
    /// <param name="modelBuilder">The model of the application's context.</param>
    /// <param name="tableName">The table name. Default: <see cref="DefaultTableName"/>.</param>
    /// <returns><paramref name="modelBuilder"/>, for chaining.</returns>
    public static ModelBuilder AddSaml2AssertionReplayEntries(this ModelBuilder modelBuilder, string tableName = DefaultTableName)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        modelBuilder.Entity<Saml2AssertionReplayEntry>(entry =>
        {
            entry.ToTable(tableName);
            entry.HasKey(e => e.Key);
            entry.Property(e => e.Key).HasMaxLength(Saml2AssertionReplayKey.Length).IsUnicode(false).IsFixedLength();
            entry.Property(e => e.ExpiresAt).HasConversion(UnixMilliseconds);
            entry.HasIndex(e => e.ExpiresAt);
        });
        return modelBuilder;
    }
}
