namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>One set of servers for every end-to-end test class; the classes run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class EndToEndGroup : ICollectionFixture<EndToEndFixture>
{
    public const string Name = "EndToEnd";
}
