using System.Net;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>The in-process server on <c>Data Source=:memory:</c>: no file, the database lives as long as the app.</summary>
public sealed class InMemoryDatabaseTests
{
    [Fact]
    public async Task InMemoryDatabase_SeedsClientsAndIssuesTokens()
    {
        var server = new AuthorizationServerFixture("Data Source=:memory:");
        await server.InitializeAsync();
        try
        {
            var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));

            var response = await server.RequestWithBasicAsync(assertion, "orders.read");

            Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
