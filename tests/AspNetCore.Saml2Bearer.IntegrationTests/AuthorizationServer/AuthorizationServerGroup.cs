namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>One authorization server for every test class of this folder.</summary>
[CollectionDefinition(Name)]
public sealed class AuthorizationServerGroup : ICollectionFixture<AuthorizationServerFixture>
{
    public const string Name = "AuthorizationServer";
}
