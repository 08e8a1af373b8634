using Microsoft.Extensions.Configuration;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>The key tree the binder and the unknown-key check share.</summary>
public sealed class Saml2BearerConfigurationKeyTests
{
    [Fact]
    public void FindUnknownKeys_EveryDocumentedPattern_IsKnown()
    {
        var settings = Saml2BearerConfigurationKey.Patterns().ToDictionary(
            p => "Authentication:Schemes:Saml2Bearer:" + string.Join(':', p.Split(':').Select(segment => segment switch
            {
                "N" => "0",
                "M" => "1",
                "<name>" => "tenant",
                _ => segment,
            })),
            _ => (string?)"x");
        var section = new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("Authentication:Schemes:Saml2Bearer");

        var unknown = Saml2BearerConfigurationKey.FindUnknownKeys(section);

        Assert.Empty(unknown);
    }

    [Theory]
    [InlineData("TokenEndpoint:0", "'TokenEndpoint' takes a single value")]
    [InlineData("HeaderSchemes:first", "'HeaderSchemes' takes a value or a list of values")]
    [InlineData("AttributeClaimTypeMap:groups:ClaimType", "'AttributeClaimTypeMap' takes a list")]
    [InlineData("AdditionalTokenRequestParameters:tenant:id", "each 'AdditionalTokenRequestParameters' entry takes a single value")]
    public void FindUnknownKeys_WrongShape_SaysWhatTheKeyTakes(string key, string expected)
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Authentication:Schemes:Saml2Bearer:" + key] = "x" })
            .Build()
            .GetSection("Authentication:Schemes:Saml2Bearer");

        var (_, message) = Assert.Single(Saml2BearerConfigurationKey.FindUnknownKeys(section));

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Scope", "Scope", 0)]
    [InlineData("Scopes", "Scope", 1)]
    [InlineData("scope", "SCOPE", 0)]
    [InlineData("ClockSkw", "ClockSkew", 1)]
    [InlineData("", "Key", 3)]
    [InlineData("Kitten", "Sitting", 3)]
    public void Distance_IsTheCaseInsensitiveLevenshteinDistance(string a, string b, int expected)
    {
        Assert.Equal(expected, Saml2BearerConfigurationKey.Distance(a, b));
    }
}
