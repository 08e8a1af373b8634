using System.Net;
using AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;
using AspNetCore.Saml2Bearer.Testing;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>What every fault test shares: the identity provider the API trusts, and the documented 503.</summary>
internal static class FaultScenario
{
    public const string AssertionAudience = "https://as.faults.test";
    public const string AssertionRecipient = "https://as.faults.test/token";

    /// <summary>An identity provider with a key of its own, minting assertions the API accepts.</summary>
    public static TestSaml2IdentityProvider CreateIdentityProvider() => new("https://idp.faults.test/saml")
    {
        DefaultAudience = AssertionAudience,
        DefaultRecipient = AssertionRecipient,
    };

    public static string NewSubject(string prefix) => $"{prefix}-{Guid.NewGuid():N}@example.com";

    /// <summary>The failure table's answer to an authorization-server fault: 503 with a positive Retry-After, never a 500.</summary>
    public static void AssertServiceUnavailable(ApiResponse response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {response.Challenge} {response.Body}");
        Assert.True(response.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero, $"Retry-After: {response.RetryAfter}");
    }
}
