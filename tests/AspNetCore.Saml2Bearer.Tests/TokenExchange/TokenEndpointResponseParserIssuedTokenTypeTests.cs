using System.Text;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

/// <summary>
/// <c>TokenEndpointResponseParser.TryValidateIssuedTokenType</c>: what an RFC 8693 token response must say
/// about the token it issued (section 2.2.1) before it counts as a success.
/// </summary>
public sealed class TokenEndpointResponseParserIssuedTokenTypeTests
{
    [Theory]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\"")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"bearer\"")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"DPoP\"")]
    public void TryValidateIssuedTokenType_AccessTokenIssued_Succeeds(string members)
    {
        var response = Parse(members);

        Assert.True(TokenEndpointResponseParser.TryValidateIssuedTokenType(response, out var reason));
        Assert.Null(reason);
    }

    [Theory]
    [InlineData("\"token_type\":\"Bearer\"", "issued_token_type is missing")]
    [InlineData("\"issued_token_type\":null,\"token_type\":\"Bearer\"", "issued_token_type is missing")]
    [InlineData("\"issued_token_type\":1,\"token_type\":\"Bearer\"", "issued_token_type is not a string")]
    [InlineData("\"issued_token_type\":[\"urn:ietf:params:oauth:token-type:access_token\"],\"token_type\":\"Bearer\"", "issued_token_type is not a string")]
    [InlineData("\"issued_token_type\":\"\",\"token_type\":\"Bearer\"", "is not the access_token type")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:jwt\",\"token_type\":\"Bearer\"", "is not the access_token type")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:id_token\",\"token_type\":\"Bearer\"", "is not the access_token type")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:refresh_token\",\"token_type\":\"Bearer\"", "is not the access_token type")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:saml2\",\"token_type\":\"Bearer\"", "is not the access_token type")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:ACCESS_TOKEN\",\"token_type\":\"Bearer\"", "is not the access_token type")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token \",\"token_type\":\"Bearer\"", "is not the access_token type")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"N_A\"", "token_type is N_A")]
    [InlineData("\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"n_a\"", "token_type is N_A")]
    public void TryValidateIssuedTokenType_NotAnAccessToken_FailsWithAFixedReason(string members, string expectedReason)
    {
        var response = Parse(members);

        Assert.False(TokenEndpointResponseParser.TryValidateIssuedTokenType(response, out var reason));
        Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidateIssuedTokenType_ServerValue_IsNeverEchoedInTheReason()
    {
        var response = Parse("\"issued_token_type\":\"urn:evil:\\r\\nforged log line\",\"token_type\":\"Bearer\"");

        Assert.False(TokenEndpointResponseParser.TryValidateIssuedTokenType(response, out var reason));
        Assert.DoesNotContain("evil", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invalid_target", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData("invalid_request", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData("invalid_client", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData("unauthorized_client", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData("invalid_scope", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData("unsupported_grant_type", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData("invalid_grant", Saml2BearerTokenResultStatus.InvalidGrant)]
    [InlineData("temporarily_unavailable", Saml2BearerTokenResultStatus.ServiceUnavailable)]
    [InlineData("server_error", Saml2BearerTokenResultStatus.ServiceUnavailable)]
    public void Classify_Rfc6749AndRfc8693ErrorCodes_MapToTheirOutcomeClass(string error, Saml2BearerTokenResultStatus expected)
    {
        Assert.Equal(expected, OAuthErrorCodes.Classify(error));
    }

    private static Saml2BearerTokenResponse Parse(string members)
    {
        var body = Encoding.UTF8.GetBytes("{\"access_token\":\"AT-1\"," + members + ",\"expires_in\":3600}");
        Assert.True(TokenEndpointResponseParser.TryParseTokenResponse(body, out var response, out var reason), reason);
        return response!;
    }
}
