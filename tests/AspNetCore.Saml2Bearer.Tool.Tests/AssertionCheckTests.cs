using System.Security.Cryptography.Xml;
using System.Text;

namespace AspNetCore.Saml2Bearer.Tool.Tests;

/// <summary>
/// <c>saml2bearer check --config</c> binds the app's configuration, runs the handler's validator and prints each
/// check with what was expected and what was found; the exit code is the verdict.
/// </summary>
public sealed class AssertionCheckTests : IDisposable
{
    private readonly ToolWorkspace _workspace = new();

    [Fact]
    public async Task Check_ValidAssertion_Exits0AndEveryCheckPasses()
    {
        var (exitCode, output) = await _workspace.CheckAsync(_workspace.IdentityProvider.IssueAssertion());

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.DoesNotContain("[FAIL]", output, StringComparison.Ordinal);
        foreach (var check in new[] { "document", "issuer", "audience", "recipient", "times", "algorithm", "signature" })
        {
            Assert.Contains($"[ ok ] {check}", output, StringComparison.Ordinal);
        }

        Assert.Contains("VALID: subject \"alice@example.com\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ExpiredAssertion_ShowsTheClockTheSkewAndNotOnOrAfter()
    {
        var assertion = _workspace.IdentityProvider.IssueAssertion(d => d.IssueInstant = ToolWorkspace.Now.AddHours(-1));

        var (exitCode, output) = await _workspace.CheckAsync(assertion);

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.Contains("[FAIL] times", output, StringComparison.Ordinal);
        Assert.Contains("2026-12-01T12:00:00Z (this machine), skew 00:05:00 (Assertion:ClockSkew)", output, StringComparison.Ordinal);
        Assert.Contains("NotOnOrAfter        2026-12-01T11:05:00Z  must be >  clock - skew = 2026-12-01T11:55:00Z  FAIL: passed 00:55:00 ago", output, StringComparison.Ordinal);
        Assert.Contains("INVALID: Expired (512)", output, StringComparison.Ordinal);
        Assert.Contains("hint        an assertion is usable until its NotOnOrAfter plus the skew", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Sha1Assertion_NamesAllowSha1()
    {
        _workspace.IdentityProvider.SignatureAlgorithm = SignedXml.XmlDsigRSASHA1Url;
        _workspace.IdentityProvider.DigestAlgorithm = SignedXml.XmlDsigSHA1Url;

        var (exitCode, output) = await _workspace.CheckAsync(_workspace.IdentityProvider.IssueAssertion());

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.Contains("[FAIL] algorithm", output, StringComparison.Ordinal);
        Assert.Contains("\"http://www.w3.org/2000/09/xmldsig#rsa-sha1\"  FAIL: SHA-1, refused unless Assertion:AllowSha1 is true (it is false)", output, StringComparison.Ordinal);
        Assert.Contains("INVALID: UnsupportedSignatureAlgorithm (408)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Sha1AssertionWithAllowSha1_IsValid()
    {
        // The option the report names is the one that lets the assertion through.
        _workspace.IdentityProvider.SignatureAlgorithm = SignedXml.XmlDsigRSASHA1Url;
        _workspace.IdentityProvider.DigestAlgorithm = SignedXml.XmlDsigSHA1Url;
        var config = _workspace.WriteConfig(Saml2BearerDefaults.AuthenticationScheme, new Dictionary<string, object> { ["AllowSha1"] = true }, "appsettings.sha1.json");
        var file = _workspace.WriteFile("sha1.txt", _workspace.IdentityProvider.IssueAssertion());

        var (exitCode, output) = await _workspace.RunAsync("check", "--config", config, file);

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.Contains("rsa-sha1\"  allowed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WrongAudience_ShowsExpectedAndFound()
    {
        var assertion = _workspace.IdentityProvider.IssueAssertion(d => d.Audiences.Add("https://elsewhere.example.com"));

        var (exitCode, output) = await _workspace.CheckAsync(assertion);

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.Contains("[FAIL] audience     expected one of     https://as.test  (Assertion:ValidAudiences)", output, StringComparison.Ordinal);
        Assert.Contains("found               \"https://elsewhere.example.com\"  <- names no valid audience", output, StringComparison.Ordinal);
        Assert.Contains("INVALID: AudienceInvalid (505)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WrongRecipient_ShowsExpectedAndFound()
    {
        var assertion = _workspace.IdentityProvider.IssueAssertion(d => d.Recipient = "https://other.example.com/token");

        var (exitCode, output) = await _workspace.CheckAsync(assertion);

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.Contains($"[FAIL] recipient    expected one of     {ToolWorkspace.TokenEndpoint}", output, StringComparison.Ordinal);
        Assert.Contains("\"https://other.example.com/token\"  <- not a valid recipient", output, StringComparison.Ordinal);
        Assert.Contains("INVALID: RecipientInvalid (508)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_UnknownCertificate_NamesTheThumbprintsTriedAndTheMessagesCertificate()
    {
        using var impostor = new TestSaml2IdentityProvider(_workspace.IdentityProvider.EntityId, timeProvider: _workspace.Time);

        var (exitCode, output) = await _workspace.CheckAsync(impostor.IssueAssertion());

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.Contains("[FAIL] signature", output, StringComparison.Ordinal);
        Assert.Contains($"tried               SHA-1 {_workspace.IdentityProvider.SigningCertificate.Thumbprint}", output, StringComparison.Ordinal);
        Assert.Contains($"KeyInfo names       SHA-1 {impostor.SigningCertificate.Thumbprint}", output, StringComparison.Ordinal);
        Assert.Contains("trusted for no issuer", output, StringComparison.Ordinal);
        Assert.Contains("INVALID: SigningKeyNotTrusted (412)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_UntrustedIssuer_ListsTheTrustedIssuers()
    {
        using var other = new TestSaml2IdentityProvider("https://other-idp.example.com", timeProvider: _workspace.Time);

        var (exitCode, output) = await _workspace.CheckAsync(other.IssueAssertion());

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.Contains($"[FAIL] issuer       expected one of     {_workspace.IdentityProvider.EntityId}", output, StringComparison.Ordinal);
        Assert.Contains("found               \"https://other-idp.example.com\"", output, StringComparison.Ordinal);
        Assert.Contains("INVALID: IssuerNotTrusted (501)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_HeaderValueInTheFile_ValidatesTheAssertionInIt()
    {
        var header = _workspace.IdentityProvider.CreateAuthorizationHeader("bob@example.com").ToString();

        var (exitCode, output) = await _workspace.CheckAsync("Authorization: " + header + "\n");

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.Contains("the header scheme 'SAML'", output, StringComparison.Ordinal);
        Assert.Contains("VALID: subject \"bob@example.com\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_RawXmlInTheFile_IsValidatedAsDecodedBytes()
    {
        var xml = Encoding.UTF8.GetString(Convert.FromBase64String(_workspace.IdentityProvider.IssueAssertion()));

        var (exitCode, output) = await _workspace.CheckAsync(xml);

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.Contains("raw XML", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WrappedBase64_IsJoinedBeforeDecoding()
    {
        var encoded = _workspace.IdentityProvider.IssueAssertion();
        var wrapped = string.Join('\n', encoded.Chunk(76).Select(c => new string(c)));

        var (exitCode, output) = await _workspace.CheckAsync(wrapped);

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.Contains("line breaks removed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_StandardInput_ReadsTheAssertionFromIt()
    {
        var (exitCode, output) = await _workspace.RunWithInputAsync(_workspace.IdentityProvider.IssueAssertion(), "check", "--config", _workspace.ConfigPath, "-");

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.Contains("VALID", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NamedScheme_BindsThatScheme()
    {
        var config = _workspace.WriteConfig("Partner", fileName: "appsettings.partner.json");
        var file = _workspace.WriteFile("partner.txt", _workspace.IdentityProvider.IssueAssertion());

        var (named, _) = await _workspace.RunAsync("check", "--config", config, "--scheme", "Partner", file);
        var (defaultScheme, output) = await _workspace.RunAsync("check", "--config", config, file);

        Assert.Equal(ToolExitCode.Valid, named);
        Assert.Equal(ToolExitCode.UsageError, defaultScheme);
        Assert.Contains("there is no section 'Authentication:Schemes:Saml2Bearer'; the configuration has 'Partner' (--scheme)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ControlCharactersInTheAssertion_AreEscapedInTheReport()
    {
        var assertion = _workspace.IdentityProvider.IssueAssertion(d => d.Audiences.Add("https://evil.example.com/\u009b2J\u202Eabc\u2028x"));

        var (exitCode, output) = await _workspace.CheckAsync(assertion);

        Assert.Equal(ToolExitCode.Invalid, exitCode);
        Assert.DoesNotContain('\u009b', output);
        Assert.DoesNotContain('\u202E', output);
        Assert.DoesNotContain('\u2028', output);
        Assert.Contains("\\u009b2J\\u202eabc\\u2028x", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_UnknownConfigurationKey_IsReportedWithTheNearestKey()
    {
        var config = _workspace.WriteFile("appsettings.typo.json", $$"""
            { "Authentication": { "Schemes": { "Saml2Bearer": {
                "TokenEndpoint": "{{ToolWorkspace.TokenEndpoint}}", "ClientId": "api", "Scopes": "orders.read",
                "Assertion": { "ValidIssuers": [ "{{_workspace.IdentityProvider.EntityId}}" ], "SigningCertificates": [ "idp.pem" ], "ValidAudiences": [ "{{_workspace.IdentityProvider.DefaultAudience}}" ] } } } } }
            """);
        var file = _workspace.WriteFile("typo.txt", _workspace.IdentityProvider.IssueAssertion());

        var (exitCode, output) = await _workspace.RunAsync("check", "--config", config, file);

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.Contains("warning     'Authentication:Schemes:Saml2Bearer:Scopes' is not a setting; did you mean 'Scope'?", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_RelativeCertificatePath_ResolvesAgainstTheConfigurationFilesFolder()
    {
        // The first file's folder is the content root, as appsettings.json's folder is the app's.
        var config = _workspace.WriteFile("appsettings.relative.json", $$"""
            { "Authentication": { "Schemes": { "Saml2Bearer": {
                "TokenEndpoint": "{{ToolWorkspace.TokenEndpoint}}", "ClientId": "api",
                "Assertion": { "ValidIssuers": [ "{{_workspace.IdentityProvider.EntityId}}" ], "SigningCertificates": [ "idp.pem" ], "ValidAudiences": [ "{{_workspace.IdentityProvider.DefaultAudience}}" ] } } } } }
            """);
        var file = _workspace.WriteFile("relative.txt", _workspace.IdentityProvider.IssueAssertion());

        var (exitCode, output) = await _workspace.RunAsync("check", "--config", config, file);

        Assert.Equal(ToolExitCode.Valid, exitCode);
        Assert.DoesNotContain("warning", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_InvalidConfigurationValue_Exits2NamingTheKey()
    {
        var config = _workspace.WriteConfig(Saml2BearerDefaults.AuthenticationScheme, new Dictionary<string, object> { ["ClockSkew"] = "five minutes" }, "appsettings.bad.json");
        var file = _workspace.WriteFile("a.txt", _workspace.IdentityProvider.IssueAssertion());

        var (exitCode, output) = await _workspace.RunAsync("check", "--config", config, file);

        Assert.Equal(ToolExitCode.UsageError, exitCode);
        Assert.Contains("configuration error", output, StringComparison.Ordinal);
        Assert.Contains("ClockSkew", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingFiles_Exit2()
    {
        var file = _workspace.WriteFile("a.txt", _workspace.IdentityProvider.IssueAssertion());

        var (noConfig, noConfigOutput) = await _workspace.RunAsync("check", "--config", Path.Combine(_workspace.Directory, "missing.json"), file);
        var (noAssertion, _) = await _workspace.RunAsync("check", "--config", _workspace.ConfigPath, Path.Combine(_workspace.Directory, "missing.txt"));

        Assert.Equal(ToolExitCode.UsageError, noConfig);
        Assert.Contains("does not exist", noConfigOutput, StringComparison.Ordinal);
        Assert.Equal(ToolExitCode.UsageError, noAssertion);
    }

    [Theory]
    [InlineData("")]
    [InlineData("verify")]
    [InlineData("check")]
    [InlineData("check --config")]
    [InlineData("check --authority https://as.example.com assertion.txt")]
    [InlineData("check --bogus")]
    public async Task Run_BadCommandLine_Exits2WithUsage(string commandLine)
    {
        var (exitCode, output) = await _workspace.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(ToolExitCode.UsageError, exitCode);
        Assert.Contains("usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SystemClock_ChecksWithTheCurrentTime()
    {
        using var idp = new TestSaml2IdentityProvider();
        var certificate = _workspace.WriteFile("system-idp.pem", idp.ExportSigningCertificatePem());
        var config = _workspace.WriteFile("appsettings.system.json", $$"""
            { "Authentication": { "Schemes": { "Saml2Bearer": {
                "TokenEndpoint": "{{ToolWorkspace.TokenEndpoint}}", "ClientId": "api", "ClientSecret": "s",
                "Assertion": { "ValidIssuers": [ "{{idp.EntityId}}" ], "SigningCertificates": [ "{{certificate}}" ], "ValidAudiences": [ "{{idp.DefaultAudience}}" ] } } } } }
            """);
        var file = _workspace.WriteFile("system.txt", idp.IssueAssertion());
        using var output = new StringWriter();

        var exitCode = Saml2BearerTool.Run(["check", "--config", config, file], output);

        Assert.Equal(ToolExitCode.Valid, exitCode);
    }

    public void Dispose() => _workspace.Dispose();
}
