namespace AspNetCore.Saml2Bearer.EntityFrameworkCore;

/// <summary>
/// One used assertion in the application's database: the hash of its issuer and ID, and until when it is
/// remembered. Added to a model with <c>modelBuilder.AddSaml2AssertionReplayEntries()</c>.
/// </summary>
public sealed class Saml2AssertionReplayEntry
{
    /// <summary>
    /// The primary key: SHA-256 of the issuer and the assertion ID, 64 lowercase hexadecimal characters
    /// (neither is stored as it is). A second insert of the same key is what makes a replay.
    /// </summary>
    public string Key { get; set; } = default!;

    /// <summary>
    /// When the record may be deleted: the assertion's <c>NotOnOrAfter</c> plus the clock skew. Stored as
    /// Unix milliseconds, so that every provider compares it (SQLite cannot compare a <see cref="DateTimeOffset"/>).
    /// </summary>
    public DateTimeOffset ExpiresAt { get; set; }
}
