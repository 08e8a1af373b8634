using System.Net;
using System.Security.Cryptography.Xml;
using System.Text;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>The log line an operator reads when an assertion is rejected: the reason, and what would change it.</summary>
public sealed class Saml2BearerHandlerRejectionLogTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string NameId = "zoe.private-subject@example.com";

    [Fact]
    public async Task Request_RsaSha1Signature_RejectionLogNamesTheAlgorithmAndAllowSha1()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var assertion = host.Assertion(b =>
        {
            b.NameId = NameId;
            b.SignatureAlgorithm = SignedXml.XmlDsigRSASHA1Url;
        });

        using var response = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var entry = Assert.Single(host.Logs.Entries, e => e.Category.StartsWith("AspNetCore.Saml2Bearer", StringComparison.Ordinal) && e.EventId.Id is 1001 or 1012);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("AssertionRejectedSha1", entry.EventId.Name);
        Assert.Equal(
            "The SAML assertion was rejected: UnsupportedSignatureAlgorithm: the assertion is signed with RSA-SHA1, which is refused by default; set Assertion:AllowSha1 to accept it.",
            entry.Message);
        AssertNothingOfTheAssertionLogged(host, assertion);
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_Sha1Digest_RejectionLogNamesAllowSha1()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var assertion = host.Assertion(b =>
        {
            b.NameId = NameId;
            b.DigestAlgorithm = SignedXml.XmlDsigSHA1Url;
        });

        using var response = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var entry = Assert.Single(host.Logs.Entries, e => e.Category.StartsWith("AspNetCore.Saml2Bearer", StringComparison.Ordinal) && e.EventId.Id is 1001 or 1012);
        Assert.Equal(1012, entry.EventId.Id);
        Assert.Contains("UnsupportedDigestAlgorithm: the assertion is signed with a SHA-1 digest", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Assertion:AllowSha1", entry.Message, StringComparison.Ordinal);
        AssertNothingOfTheAssertionLogged(host, assertion);
    }

    [Fact]
    public async Task Request_HmacSignature_RejectionLogDoesNotSuggestAllowSha1()
    {
        // HMAC is refused whatever the options say: no option to name.
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var xml = Encoding.UTF8.GetString(Convert.FromBase64String(host.Assertion(b => b.NameId = NameId)))
            .Replace(SignedXml.XmlDsigRSASHA256Url, SignedXml.XmlDsigHMACSHA1Url, StringComparison.Ordinal);
        var assertion = Convert.ToBase64String(Encoding.UTF8.GetBytes(xml));

        using var response = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var entry = Assert.Single(host.Logs.Entries, e => e.Category.StartsWith("AspNetCore.Saml2Bearer", StringComparison.Ordinal) && e.EventId.Id is 1001 or 1012);
        Assert.Equal(1001, entry.EventId.Id);
        Assert.Equal("The SAML assertion was rejected: UnsupportedSignatureAlgorithm.", entry.Message);
        Assert.DoesNotContain("AllowSha1", host.Logs.AllText, StringComparison.Ordinal);
    }

    private static void AssertNothingOfTheAssertionLogged(Saml2BearerTestHost host, string assertion)
    {
        var text = host.Logs.AllText;
        Assert.DoesNotContain(NameId, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(assertion[..40], text, StringComparison.Ordinal);
        Assert.DoesNotContain("http://www.w3.org/2000/09/xmldsig#", text, StringComparison.Ordinal);
    }
}
