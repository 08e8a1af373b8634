namespace AspNetCore.Saml2Bearer.Tests.Handler;

public sealed class Saml2BearerChallengeTests
{
    [Fact]
    public void Format_NoError_IsTheBareScheme()
    {
        Assert.Equal("SAML", Saml2BearerChallenge.Format(null, null));
    }

    [Fact]
    public void Format_ErrorOnly_HasOnlyTheError()
    {
        Assert.Equal("SAML error=\"invalid_token\"", Saml2BearerChallenge.Format("invalid_token", null));
    }

    [Fact]
    public void Format_ErrorAndDescription_CommaSeparated()
    {
        Assert.Equal("SAML error=\"invalid_token\", error_description=\"The assertion has expired.\"", Saml2BearerChallenge.Format("invalid_token", "The assertion has expired."));
    }

    [Fact]
    public void Format_DescriptionOnly_HasNoLeadingComma()
    {
        Assert.Equal("SAML error_description=\"d\"", Saml2BearerChallenge.Format(null, "d"));
    }

    [Theory]
    [InlineData("a\"b", "ab")]
    [InlineData("a\\b", "ab")]
    [InlineData("a\r\nWWW-Authenticate: x", "aWWW-Authenticate: x")]
    [InlineData("caf\u00e9\u0000\u007f", "caf")]
    public void Format_CharactersOutsideRfc6750_AreDropped(string description, string expected)
    {
        Assert.Equal($"SAML error=\"invalid_token\", error_description=\"{expected}\"", Saml2BearerChallenge.Format("invalid_token", description));
    }
}
