using System.Text;

namespace AspNetCore.Saml2Bearer.Tool.Tests;

/// <summary>The assertion file may hold what an operator copied: raw XML, base64 (wrapped or not), a header value.</summary>
public sealed class AssertionTextTests
{
    private static readonly string[] HeaderSchemes = ["SAML"];

    [Theory]
    [InlineData("PHNhbWw+", "PHNhbWw+")]
    [InlineData("  PHNhbWw+\n", "PHNhbWw+")]
    [InlineData("SAML PHNhbWw+", "PHNhbWw+")]
    [InlineData("saml PHNhbWw+", "PHNhbWw+")]
    [InlineData("Authorization: SAML PHNhbWw+", "PHNhbWw+")]
    [InlineData("PHNh\r\nbWw+", "PHNhbWw+")]
    [InlineData("\uFEFFPHNhbWw+", "PHNhbWw+")]
    public void Parse_EncodedForms_GiveTheEncodedAssertion(string text, string expected)
    {
        var parsed = AssertionText.Parse(text, HeaderSchemes);

        Assert.Equal(expected, parsed.Encoded);
        Assert.Null(parsed.Xml);
    }

    [Theory]
    [InlineData("<saml:Assertion/>")]
    [InlineData("\n  <saml:Assertion/>\n")]
    [InlineData("SAML <saml:Assertion/>")]
    public void Parse_RawXml_GivesTheBytes(string text)
    {
        var parsed = AssertionText.Parse(text, HeaderSchemes);

        Assert.Null(parsed.Encoded);
        Assert.Equal("<saml:Assertion/>", Encoding.UTF8.GetString(parsed.Xml!));
        Assert.StartsWith("raw XML", parsed.Form, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OtherHeaderScheme_IsLeftInPlace()
    {
        // Only the scheme's configured header schemes are stripped: "Bearer x" stays what it is (and fails decoding).
        var parsed = AssertionText.Parse("Bearer PHNhbWw+", HeaderSchemes);

        Assert.Equal("BearerPHNhbWw+", parsed.Encoded);
    }
}
