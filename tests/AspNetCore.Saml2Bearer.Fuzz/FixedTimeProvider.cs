namespace AspNetCore.Saml2Bearer.Fuzz;

/// <summary>A clock stopped at one instant, so a seed signed at that instant stays valid for every run.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
