using System.Text;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

public sealed class Saml2BearerAssertionExtractorTests
{
    [Theory]
    [InlineData("SAML abc", "abc")]
    [InlineData("saml abc", "abc")]
    [InlineData("SAML   abc  ", "abc")]
    public async Task ExtractAsync_SamlAuthorizationHeader_ReturnsTheValue(string header, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = header;

        Assert.Equal(expected, await ExtractAsync(context.Request, new Saml2BearerOptions()));
    }

    [Theory]
    [InlineData("Bearer abc")]
    [InlineData("SAMLabc")]
    [InlineData("SAML")]
    [InlineData("SAML ")]
    [InlineData("")]
    public async Task ExtractAsync_OtherOrEmptyHeader_ReturnsNothing(string header)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = header;

        Assert.True(string.IsNullOrEmpty(await ExtractAsync(context.Request, new Saml2BearerOptions())));
    }

    [Fact]
    public async Task ExtractAsync_SeveralConfiguredSchemes_AcceptsEach()
    {
        var options = new Saml2BearerOptions();
        options.HeaderSchemes.Add("SAML2");
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "SAML2 xyz";

        Assert.Equal("xyz", await ExtractAsync(context.Request, options));
    }

    [Fact]
    public async Task ExtractAsync_CustomHeaderWithoutScheme_ReturnsTheWholeValue()
    {
        var options = new Saml2BearerOptions { HeaderName = "X-SAML-Assertion" };
        options.HeaderSchemes.Clear();
        var context = new DefaultHttpContext();
        context.Request.Headers["X-SAML-Assertion"] = " abc ";
        context.Request.Headers.Authorization = "SAML other";

        Assert.Equal("abc", await ExtractAsync(context.Request, options));
    }

    [Fact]
    public async Task ExtractAsync_FormFieldOnPostWhenAllowed_ReturnsIt()
    {
        var context = FormRequest("POST", "assertion=abc");

        Assert.Equal("abc", await ExtractAsync(context.Request, new Saml2BearerOptions { AllowFormField = true }));
    }

    [Fact]
    public async Task ExtractAsync_FormFieldNotAllowed_IsIgnored()
    {
        var context = FormRequest("POST", "assertion=abc");

        Assert.Null(await ExtractAsync(context.Request, new Saml2BearerOptions()));
    }

    [Fact]
    public async Task ExtractAsync_FormFieldOnPut_IsIgnored()
    {
        var context = FormRequest("PUT", "assertion=abc");

        Assert.Null(await ExtractAsync(context.Request, new Saml2BearerOptions { AllowFormField = true }));
    }

    [Fact]
    public async Task ExtractAsync_FormFieldTwice_IsRefused()
    {
        var context = FormRequest("POST", "assertion=abc&assertion=def");

        Assert.Null(await ExtractAsync(context.Request, new Saml2BearerOptions { AllowFormField = true }));
    }

    [Fact]
    public async Task ExtractAsync_HeaderAndFormField_HeaderWins()
    {
        var context = FormRequest("POST", "assertion=form");
        context.Request.Headers.Authorization = "SAML header";

        Assert.Equal("header", await ExtractAsync(context.Request, new Saml2BearerOptions { AllowFormField = true }));
    }

    private static DefaultHttpContext FormRequest(string method, string body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.ContentType = "application/x-www-form-urlencoded";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        return context;
    }

    private static async Task<string?> ExtractAsync(HttpRequest request, Saml2BearerOptions options)
    {
        var extracted = await Saml2BearerAssertionExtractor.ExtractAsync(request, options);
        return extracted.IsEmpty ? null : extracted.ToString();
    }
}
