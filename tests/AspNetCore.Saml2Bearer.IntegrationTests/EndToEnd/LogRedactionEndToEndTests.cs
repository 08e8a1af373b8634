using System.Net;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>Nothing secret reaches a log of any host, across the whole run.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class LogRedactionEndToEndTests(EndToEndFixture e2e)
{
    [Fact]
    public async Task Logs_WholeRun_ContainNoAssertionAccessTokenOrClientSecret()
    {
        // Whatever order the tests ran in, every host has seen successes and failures by now.
        var subject = EndToEndFixture.NewSubject("logs");
        var assertion = e2e.IssueAssertion(subject);
        Assert.Equal(HttpStatusCode.OK, (await e2e.SendSamlAsync(e2e.Api, "downstream/backend", assertion)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await e2e.SendSamlAsync(e2e.SecondApi, "whoami", assertion)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await e2e.SendSamlAsync(e2e.Api, "whoami", e2e.IssueTamperedAssertion(subject))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await e2e.SendSamlAsync(e2e.WrongSecretApi, "whoami", e2e.IssueAssertion(subject))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await e2e.SendSamlAsync(e2e.PostApi, "whoami", e2e.IssueAssertion(subject))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await e2e.SendSamlAsync(e2e.PrivateKeyJwtApi, "whoami", e2e.IssueAssertion(subject))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await e2e.SendSamlAsync(e2e.Gateway, "echo/logs", e2e.IssueAssertion(subject))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await e2e.SendSamlAsync(e2e.MiddlewareApi, "me", e2e.IssueAssertion(subject))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await e2e.SendSamlAsync(e2e.UnreachableAsApi, "whoami", e2e.IssueAssertion(subject))).StatusCode);

        var entries = e2e.Logs.Entries.Select(entry => entry.AllText).Concat(e2e.Logs.Scopes).ToList();
        var secrets = e2e.Secrets;

        // The capture works: the handler's rejections and the AS's replay refusal were logged.
        Assert.Contains(entries, e => e.Contains("AspNetCore.Saml2Bearer.Saml2BearerHandler", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Contains("AspNetCore.Saml2Bearer.OpenIddict", StringComparison.Ordinal));
        Assert.True(secrets.Count > 20, $"only {secrets.Count} secrets recorded");
        var leaks = (from entry in entries
                     from secret in secrets
                     where entry.Contains(secret, StringComparison.Ordinal)
                        || (secret.Length > 64 && entry.Contains(secret.Substring(secret.Length / 2, 48), StringComparison.Ordinal))
                     select entry).Distinct().ToList();
        Assert.True(leaks.Count == 0, "secrets in logs (shown redacted):\n" + string.Join("\n", leaks.Take(5).Select(e => Redact(e, secrets))));
    }

    private static string Redact(string entry, IEnumerable<string> secrets) =>
        secrets.Aggregate(entry, (text, secret) => text.Replace(secret, "***", StringComparison.Ordinal));
}
