using System.Security.Cryptography.X509Certificates;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using R = AspNetCore.Saml2Bearer.Assertions.Saml2AssertionFailureReason;

namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>
/// <c>saml2bearer check --config</c>: binds the scheme's options exactly as the app does (the same
/// <c>AddSaml2Bearer</c> registration, so the same configuration binder, post-configuration and validation),
/// runs the scheme's own validator on the assertion, and prints every check with what was expected and what
/// was found. The verdict and its reason code are the validator's; the per-check lines are read from the
/// assertion for the operator and trusted for nothing.
/// </summary>
internal static class AssertionCheck
{
    public static async Task<int> RunAsync(ToolArguments arguments, TextWriter output, TimeProvider timeProvider, TextReader input, CancellationToken cancellationToken)
    {
        var report = new CheckReport(output);
        Saml2BearerOptions options;
        IHost host;
        try
        {
            (host, options) = BindOptions(arguments, timeProvider);
        }
        catch (ConfigurationError error)
        {
            await output.WriteLineAsync("saml2bearer: configuration error: " + error.Message).ConfigureAwait(false);
            return ToolExitCode.UsageError;
        }

        using (host)
        {
            report.Heading("scheme", $"'{arguments.Scheme}' from {string.Join(", ", arguments.ConfigFiles.Select(Path.GetFullPath))}");

            // What the app logs as a warning at startup: a key that is not a setting is silently not applied.
            foreach (var (_, message) in options.UnknownConfigurationKeys)
            {
                report.Heading("warning", message);
            }

            if (options.AssertionValidationMode != Saml2BearerAssertionValidationMode.Full)
            {
                await output.WriteLineAsync($"saml2bearer: the scheme's AssertionValidationMode is {options.AssertionValidationMode}: the handler does not check assertions itself, the authorization server does.").ConfigureAwait(false);
                return ToolExitCode.UsageError;
            }

            string text;
            try
            {
                text = arguments.AssertionFile == "-"
                    ? await input.ReadToEndAsync(cancellationToken).ConfigureAwait(false)
                    : await File.ReadAllTextAsync(arguments.AssertionFile!, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                await output.WriteLineAsync($"saml2bearer: cannot read the assertion file '{arguments.AssertionFile}': {exception.Message}").ConfigureAwait(false);
                return ToolExitCode.UsageError;
            }

            var validator = options.State!.Validator;
            var parameters = validator.Parameters;
            var assertion = AssertionText.Parse(text, options.HeaderSchemes);

            // The handler's steps: decode (size caps, allowed encodings), then validate the bytes.
            var xml = assertion.Xml;
            var reason = R.None;
            if (xml is null)
            {
                var decoded = validator.Decode(assertion.Encoded!);
                xml = decoded.Xml;
                reason = decoded.FailureReason;
            }

            var result = xml is null
                ? Saml2AssertionValidationResult.Failure(reason)
                : await validator.ValidateDecodedAsync(xml, cancellationToken).ConfigureAwait(false);
            var inspection = xml is null ? null : AssertionInspection.Read(xml, parameters.MaximumDecodedLength);

            report.Heading("assertion", assertion.Form + (xml is null ? string.Empty : $" -> {xml.Length} bytes of XML")
                + (assertion.Xml is null ? string.Empty : "; the encoding check (Assertion:AllowedEncodings) does not apply to raw XML in a file"));
            report.Blank();
            new CheckWriter(report, parameters, inspection, result.FailureReason, timeProvider.GetUtcNow()).WriteAll();
            report.Blank();
            if (result.IsValid)
            {
                report.Heading("verdict", $"VALID: subject {CheckReport.Untrusted(result.Assertion.NameId.Value)} from {CheckReport.Untrusted(result.Assertion.Issuer)}, usable until {CheckReport.Time(result.Assertion.ValidTo)} (+ skew)");
                return ToolExitCode.Valid;
            }

            report.Heading("verdict", $"INVALID: {result.FailureReason} ({(int)result.FailureReason}): {result.FailureMessage}");
            if (Hint(result.FailureReason) is { } hint)
            {
                report.Heading("hint", hint);
            }

            return ToolExitCode.Invalid;
        }
    }

    /// <summary>What usually fixes a rejection of this kind; fixed texts, nothing from the assertion.</summary>
    private static string? Hint(R reason) => reason switch
    {
        R.Expired or R.SubjectConfirmationExpired => "an assertion is usable until its NotOnOrAfter plus the skew: have the caller get a fresh one, or compare this machine's clock with the IdP's.",
        R.NotYetValid => "the assertion starts in the future beyond the skew: the IdP's clock or this machine's is wrong (or raise Assertion:ClockSkew a little).",
        R.UnsupportedSignatureAlgorithm or R.UnsupportedDigestAlgorithm => "for SHA-1, set Assertion:AllowSha1 to true only if the IdP cannot sign with SHA-256; HMAC and unknown algorithms are never accepted.",
        R.SigningKeyNotTrusted or R.SignatureInvalid => "if the IdP rolled over its signing key, add its new certificate to Assertion:SigningCertificates (or the issuer's IdentityProviders entry).",
        R.IssuerKeyMismatch => "the certificate belongs to another configured issuer: bind each IdP's certificates with Assertion:IdentityProviders:N.",
        R.IssuerNotTrusted => "add the issuer to Assertion:ValidIssuers (with its certificate), if it is meant to be trusted.",
        R.AudienceInvalid or R.AudienceRestrictionMissing => "the IdP must name this API's audience, or add the audience it names to Assertion:ValidAudiences.",
        R.RecipientInvalid or R.RecipientMissing => "the bearer Recipient must be the token endpoint the assertion is presented to (Assertion:ValidRecipients).",
        R.RawXmlNotAllowed or R.InvalidEncoding => "callers send the assertion base64 or base64url encoded (Assertion:AllowedEncodings).",
        _ => null,
    };

    /// <summary>
    /// Builds the scheme's options through the same registration the app makes: <c>AddSaml2Bearer(scheme)</c> on a
    /// host whose configuration is the given files and whose content root is the first file's folder.
    /// </summary>
    private static (IHost Host, Saml2BearerOptions Options) BindOptions(ToolArguments arguments, TimeProvider timeProvider)
    {
        foreach (var file in arguments.ConfigFiles)
        {
            if (!File.Exists(file))
            {
                throw new ConfigurationError($"the configuration file '{file}' does not exist.");
            }
        }

        var contentRoot = Path.GetDirectoryName(Path.GetFullPath(arguments.ConfigFiles[0]))!;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = contentRoot, Args = [] });
        try
        {
            foreach (var file in arguments.ConfigFiles)
            {
                builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
            }
        }
        catch (Exception exception) when (exception is FormatException or InvalidDataException or IOException)
        {
            throw new ConfigurationError(exception.Message + (exception.InnerException is { } inner ? " " + inner.Message : string.Empty));
        }

        var section = builder.Configuration.GetSection("Authentication:Schemes:" + arguments.Scheme);
        if (!section.Exists())
        {
            var schemes = builder.Configuration.GetSection("Authentication:Schemes").GetChildren().Select(c => c.Key).ToList();
            throw new ConfigurationError($"there is no section 'Authentication:Schemes:{arguments.Scheme}'"
                + (schemes.Count == 0 ? "." : $"; the configuration has {string.Join(", ", schemes.Select(s => $"'{s}'"))} (--scheme)."));
        }

        builder.Services.AddSingleton(timeProvider);
        builder.Services.AddLogging(); // services that take a logger resolve; nothing is written anywhere
        builder.Services.AddAuthentication().AddSaml2Bearer(arguments.Scheme, configureOptions: null);

        // The client secret usually comes from a secret store, not from appsettings.json, and checking an
        // assertion does not use it: stand in for it so that the options validate.
        builder.Services.PostConfigure<Saml2BearerOptions>(arguments.Scheme, o =>
        {
            if (o.ClientAuthenticationMethod is Saml2BearerClientAuthenticationMethod.ClientSecretBasic or Saml2BearerClientAuthenticationMethod.ClientSecretPost
                && string.IsNullOrEmpty(o.ClientSecret))
            {
                o.ClientSecret = "(not needed to check an assertion)";
            }
        });

        var host = builder.Build();
        try
        {
            return (host, host.Services.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(arguments.Scheme));
        }
        catch (Exception exception) when (exception is OptionsValidationException or InvalidOperationException or AggregateException)
        {
            host.Dispose();
            throw new ConfigurationError(exception.Message);
        }
    }

    /// <summary>Writes the checks in the validator's order.</summary>
    private sealed class CheckWriter(
        CheckReport report,
        Saml2AssertionValidationParameters parameters,
        AssertionInspection? inspection,
        R reason,
        DateTimeOffset now)
    {
        public void WriteAll()
        {
            Document();
            if (inspection?.Id is null && inspection?.Issuer is null)
            {
                return;
            }

            Issuer();
            Audience();
            Recipient();
            Times();
            Algorithm();
            Signature();
        }

        private CheckStatus Decide(CheckStatus own, params R[] reasons) =>
            reasons.Contains(reason) ? CheckStatus.Fail : own;

        private void Document()
        {
            var lines = new List<(string, string)>();
            if (inspection is null)
            {
                lines.Add(("decoded", "no: " + Saml2AssertionFailureMessagesOf(reason)));
                report.Check(CheckStatus.Fail, "document", lines);
                return;
            }

            if (inspection.ParseError is not null)
            {
                lines.Add(("XML", "not well-formed: " + CheckReport.Untrusted(inspection.ParseError)));
                report.Check(CheckStatus.Fail, "document", lines);
                return;
            }

            lines.Add(("root element", CheckReport.Untrusted(inspection.RootElement)));
            lines.Add(("version", (inspection.IsSaml11 ? "SAML " : "SAML ") + CheckReport.Untrusted(inspection.Version)
                + (inspection.IsSaml11 ? " (SAML 1.1 needs Assertion:AllowSaml11 where supported)" : string.Empty)));
            lines.Add(("ID", CheckReport.Untrusted(inspection.Id)));
            lines.Add(("subject", CheckReport.Untrusted(inspection.NameId) + (inspection.NameIdFormat is null ? string.Empty : " format " + CheckReport.Untrusted(inspection.NameIdFormat))));
            var failed = IsStructural(reason);
            if (failed)
            {
                lines.Add(("refused", $"{reason}: {Saml2AssertionFailureMessagesOf(reason)}"));
            }

            report.Check(failed ? CheckStatus.Fail : CheckStatus.Pass, "document", lines);
        }

        private void Issuer()
        {
            var trusted = parameters.IdentityProviders.Select(i => i.EntityId).ToList();
            var own = inspection!.Issuer is { } issuer && trusted.Contains(issuer) ? CheckStatus.Pass : CheckStatus.Fail;
            report.Check(Decide(own, R.IssuerMissing, R.IssuerNotTrusted), "issuer",
            [
                ("expected one of", string.Join(", ", trusted) + "  (Assertion:ValidIssuers, Assertion:IdentityProviders)"),
                ("found", CheckReport.Untrusted(inspection.Issuer)),
            ]);
        }

        private void Audience()
        {
            var valid = parameters.ValidAudiences;
            var restrictions = inspection!.AudienceRestrictions;
            var lines = new List<(string, string)> { ("expected one of", string.Join(", ", valid) + "  (Assertion:ValidAudiences)") };
            if (restrictions.Count == 0)
            {
                lines.Add(("found", "no audience restriction"));
            }

            for (var i = 0; i < restrictions.Count; i++)
            {
                var holds = restrictions[i].Any(valid.Contains);
                lines.Add((restrictions.Count == 1 ? "found" : $"restriction {i + 1}", string.Join(", ", restrictions[i].Select(CheckReport.Untrusted))
                    + (holds ? string.Empty : "  <- names no valid audience")));
            }

            var own = restrictions.Count > 0 && restrictions.All(r => r.Any(valid.Contains)) ? CheckStatus.Pass : CheckStatus.Fail;
            report.Check(Decide(own, R.AudienceRestrictionMissing, R.AudienceInvalid), "audience", lines);
        }

        private void Recipient()
        {
            if (inspection!.IsSaml11)
            {
                report.Check(Decide(inspection.Confirmations.Any(c => c.IsBearer) ? CheckStatus.Pass : CheckStatus.Fail, R.BearerConfirmationMissing), "recipient",
                [
                    ("expected", "a bearer ConfirmationMethod (SAML 1.1 has no Recipient)"),
                    ("found", string.Join(", ", inspection.Confirmations.Select(c => CheckReport.Untrusted(c.Method)))),
                ]);
                return;
            }

            var valid = parameters.ValidRecipients;
            var bearers = inspection.Confirmations.Where(c => c.IsBearer).ToList();
            var lines = new List<(string, string)> { ("expected one of", string.Join(", ", valid) + "  (Assertion:ValidRecipients, default the TokenEndpoint)") };
            if (bearers.Count == 0)
            {
                lines.Add(("found", "no bearer SubjectConfirmation (Method urn:oasis:names:tc:SAML:2.0:cm:bearer)"));
            }

            foreach (var bearer in bearers)
            {
                lines.Add(("found", CheckReport.Untrusted(bearer.Recipient) + (bearer.Recipient is not null && valid.Contains(bearer.Recipient) ? string.Empty : "  <- not a valid recipient")));
            }

            var own = bearers.Any(b => b.Recipient is not null && valid.Contains(b.Recipient)) ? CheckStatus.Pass : CheckStatus.Fail;
            report.Check(Decide(own, R.BearerConfirmationMissing, R.RecipientMissing, R.RecipientInvalid), "recipient", lines);
        }

        private void Times()
        {
            var skew = parameters.ClockSkew;
            var latestStart = now + skew;
            var earliestEnd = now - skew;
            var ok = true;
            var lines = new List<(string, string)>
            {
                ("clock", $"{CheckReport.Time(now)} (this machine), skew {CheckReport.Span(skew)} (Assertion:ClockSkew)"),
            };

            void NotAfterNow(string label, DateTimeOffset? value)
            {
                if (value is null)
                {
                    return;
                }

                var holds = value <= latestStart;
                ok &= holds;
                lines.Add((label, $"{CheckReport.Time(value.Value)}  must be <= clock + skew = {CheckReport.Time(latestStart)}"
                    + (holds ? "  ok" : $"  FAIL: {CheckReport.Span(value.Value - now)} in the future")));
            }

            void AfterNow(string label, DateTimeOffset? value)
            {
                if (value is null)
                {
                    lines.Add((label, "(none)"));
                    return;
                }

                var holds = value > earliestEnd;
                ok &= holds;
                lines.Add((label, $"{CheckReport.Time(value.Value)}  must be >  clock - skew = {CheckReport.Time(earliestEnd)}"
                    + (holds ? "  ok" : $"  FAIL: passed {CheckReport.Span(now - value.Value)} ago")));
            }

            NotAfterNow("IssueInstant", inspection!.IssueInstant);
            NotAfterNow("NotBefore", inspection.NotBefore);
            AfterNow("NotOnOrAfter", inspection.NotOnOrAfter);
            var bearer = inspection.Confirmations.FirstOrDefault(c => c.IsBearer && (c.Recipient is null || parameters.ValidRecipients.Contains(c.Recipient)))
                ?? inspection.Confirmations.FirstOrDefault(c => c.IsBearer);
            if (bearer is not null && !inspection.IsSaml11)
            {
                NotAfterNow("bearer NotBefore", bearer.NotBefore);
                AfterNow("bearer NotOnOrAfter", bearer.NotOnOrAfter);
            }

            var end = new[] { inspection.NotOnOrAfter, inspection.IsSaml11 ? null : bearer?.NotOnOrAfter }.Where(t => t is not null).Min();
            var start = inspection.NotBefore ?? inspection.IssueInstant;
            if (end is not null && start is not null)
            {
                var lifetime = end.Value - start.Value;
                var holds = lifetime <= parameters.MaximumLifetime;
                ok &= holds;
                lines.Add(("lifetime", $"{CheckReport.Span(lifetime)}  must be <= {CheckReport.Span(parameters.MaximumLifetime)} (Assertion:MaximumLifetime)" + (holds ? "  ok" : "  FAIL")));
            }
            else if (end is null)
            {
                ok = false;
                lines.Add(("lifetime", "no NotOnOrAfter at all: FAIL"));
            }

            report.Check(Decide(ok ? CheckStatus.Pass : CheckStatus.Fail, R.Expired, R.NotYetValid, R.ExpiryMissing, R.SubjectConfirmationExpired, R.SubjectConfirmationExpiryMissing, R.LifetimeTooLong), "times", lines);
        }

        private void Algorithm()
        {
            if (!inspection!.HasSignature)
            {
                report.Check(CheckStatus.NotChecked, "algorithm", [("signature", "(the assertion is not signed)")]);
                return;
            }

            var allowSha1 = parameters.AllowSha1;
            var signature = Describe(inspection.SignatureMethod, Saml2SignatureAlgorithm.FindSignatureAlgorithm(inspection.SignatureMethod ?? string.Empty, allowSha1) is not null,
                Saml2SignatureAlgorithm.FindSignatureAlgorithm(inspection.SignatureMethod ?? string.Empty, allowSha1: true) is not null, allowSha1,
                "RSA-SHA256/384/512 or ECDSA-SHA256/384/512; HMAC never");
            var digest = Describe(inspection.DigestMethod, Saml2SignatureAlgorithm.FindDigestAlgorithm(inspection.DigestMethod ?? string.Empty, allowSha1) is not null,
                Saml2SignatureAlgorithm.FindDigestAlgorithm(inspection.DigestMethod ?? string.Empty, allowSha1: true) is not null, allowSha1,
                "SHA-256/384/512");
            var own = signature.Allowed && digest.Allowed ? CheckStatus.Pass : CheckStatus.Fail;
            report.Check(Decide(own, R.UnsupportedSignatureAlgorithm, R.UnsupportedDigestAlgorithm), "algorithm",
            [
                ("signature", signature.Text),
                ("digest", digest.Text),
            ]);
        }

        private static (bool Allowed, string Text) Describe(string? uri, bool allowed, bool allowedWithSha1, bool allowSha1, string expected)
        {
            var found = CheckReport.Untrusted(uri);
            if (allowed)
            {
                return (true, found + "  allowed");
            }

            return allowedWithSha1
                ? (false, $"{found}  FAIL: SHA-1, refused unless Assertion:AllowSha1 is true (it is {(allowSha1 ? "true" : "false")}); better, have the IdP sign with SHA-256")
                : (false, $"{found}  FAIL: not allowed; expected {expected}");
        }

        private void Signature()
        {
            var identityProvider = parameters.IdentityProviders.FirstOrDefault(i => string.Equals(i.EntityId, inspection!.Issuer, StringComparison.Ordinal));
            var lines = new List<(string, string)>();
            if (identityProvider is null)
            {
                lines.Add(("tried", "no certificate: the issuer is not trusted"));
            }
            else
            {
                foreach (var certificate in identityProvider.SigningCertificates)
                {
                    lines.Add((lines.Count == 0 ? "tried" : string.Empty, Describe(certificate)));
                }

                if (identityProvider.MetadataManager is not null)
                {
                    lines.Add((lines.Count == 0 ? "tried" : string.Empty, "and the signing keys of the identity provider's metadata"));
                }
            }

            foreach (var certificate in inspection!.KeyInfoCertificates)
            {
                var owner = parameters.IdentityProviders.FirstOrDefault(i => i.SigningCertificates.Any(c => c.RawData.AsSpan().SequenceEqual(certificate.RawData)));
                var trust = owner is null ? "trusted for no issuer"
                    : owner == identityProvider ? "trusted for this issuer"
                    : $"trusted for another issuer, {owner.EntityId}";
                lines.Add(("KeyInfo names", $"{Describe(certificate)}: {trust} (a hint only: keys never come from the message)"));
            }

            var status = reason switch
            {
                R.DigestMismatch or R.SignatureInvalid or R.SigningKeyNotTrusted or R.IssuerKeyMismatch or R.SignatureMissing or R.MultipleSignatures
                    or R.SignatureNotChildOfAssertion or R.MalformedSignature or R.ReferenceCountInvalid or R.ReferenceNotAssertion
                    or R.UnsupportedTransform or R.UnsupportedCanonicalizationMethod => CheckStatus.Fail,
                _ when reason == R.None || PassedSignature(reason) => CheckStatus.Pass,
                _ => CheckStatus.NotChecked,
            };
            lines.Add(("result", status switch
            {
                CheckStatus.Pass => "verified with a trusted certificate; the digest matches",
                CheckStatus.Fail => $"{reason}: {Saml2AssertionFailureMessagesOf(reason)}",
                _ => "not reached (the validator stopped before the signature)",
            }));
            report.Check(status, "signature", lines);
        }

        private static string Describe(X509Certificate2 certificate) =>
            $"SHA-1 {certificate.Thumbprint} {CheckReport.Untrusted(certificate.Subject)}, valid to {CheckReport.Time(certificate.NotAfter.ToUniversalTime())}";

        /// <summary>Reasons only the rules after the verified signature give.</summary>
        private static bool PassedSignature(R reason) => reason is R.SubjectMissing or R.NameIdMissing or R.AudienceRestrictionMissing or R.AudienceInvalid
            or R.BearerConfirmationMissing or R.RecipientMissing or R.RecipientInvalid or R.SubjectConfirmationExpiryMissing or R.SubjectConfirmationExpired
            or R.ExpiryMissing or R.Expired or R.NotYetValid or R.LifetimeTooLong or R.UnsupportedCondition;

        /// <summary>Reasons about the document as a whole, before any of the checks below.</summary>
        private static bool IsStructural(R reason) => (int)reason is >= 100 and < 400 || reason is R.SubjectMissing or R.NameIdMissing or R.UnsupportedCondition
            || (reason != R.None && !Enum.IsDefined(reason));

        private static string Saml2AssertionFailureMessagesOf(R reason) => reason == R.None ? "none" : Saml2AssertionFailureMessages.Describe(reason);
    }

    /// <summary>A configuration the app would not start with, or a file that cannot be read.</summary>
    private sealed class ConfigurationError(string message) : Exception(message);
}
