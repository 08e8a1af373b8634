namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// Tests that measure wall-clock bounds: they run alone, after the parallel tests, so that the rest of the
/// suite does not share the two cores with them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitiveGroup
{
    public const string Name = "TimingSensitive";
}
