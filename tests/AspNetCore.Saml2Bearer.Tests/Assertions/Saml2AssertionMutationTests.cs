using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// Deterministic mutation testing of decode + validate: thousands of mutants of one valid signed
/// assertion, produced by a seeded <see cref="Saml2AssertionMutator"/>. No mutant may make the validator
/// throw, and a mutant may be accepted only when the change is signature-neutral: its signed content
/// (exclusive c14n of the assertion without ds:Signature) is the original's, it reads as the same
/// subject, issuer and ID, and <see cref="SignedXml.CheckSignature(System.Security.Cryptography.X509Certificates.X509Certificate2, bool)"/>
/// agrees that it verifies.
/// </summary>
/// <remarks>
/// The operation sequence is fixed by <see cref="Seed"/>. The signing key is generated per run (no key is
/// checked in), so the bytes of SignatureValue, DigestValue and the certificate differ between runs and
/// a few outcome counts may move by a little; no assertion depends on exact counts.
/// </remarks>
public sealed class Saml2AssertionMutationTests(ValidatorFixture fixture, ITestOutputHelper output) : IClassFixture<ValidatorFixture>
{
    private const int Seed = 7522;
    private const int MutantCount = 10_000;

    [Fact]
    public async Task ValidateDecodedAsync_TenThousandMutantsOfASignedAssertion_NeverThrowsAndAcceptsOnlySignatureNeutralChanges()
    {
        var builder = fixture.NewAssertion();
        builder.Id = "_mutation-original";
        await RunMutantsAsync(Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey)), fixture.CreateValidator());
    }

    [Fact]
    public async Task ValidateDecodedAsync_TenThousandMutantsOfASignedSaml11Assertion_NeverThrowsAndAcceptsOnlySignatureNeutralChanges()
    {
        // The same differential test on V1 (AD FS-shaped SAML 1.1, signature last, reference by AssertionID).
        var builder = fixture.NewSaml11Assertion();
        builder.AssertionId = "_mutation-original";
        await RunMutantsAsync(builder.BuildBytes(fixture.IdpKey), fixture.CreateSaml11Validator());
    }

    private async Task RunMutantsAsync(byte[] original, Saml2AssertionValidator validator)
    {
        var baseline = await validator.ValidateDecodedAsync(original);
        Assert.True(baseline.IsValid, baseline.FailureMessage);
        var originalCanonical = SignedContent(original);
        var certificate = fixture.IdpKey.PublicCertificate;

        var mutator = new Saml2AssertionMutator(Seed);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var acceptedOperations = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var violations = new List<string>();
        var unchanged = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < MutantCount; i++)
        {
            var (mutant, operations) = mutator.Mutate(original);
            if (mutant.AsSpan().SequenceEqual(original))
            {
                unchanged++;
            }

            Saml2AssertionValidationResult result;
            try
            {
                result = await validator.ValidateDecodedAsync(mutant);
            }
#pragma warning disable CA1031 // Any exception at all is the finding this test looks for.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Count(outcomes, "exception " + exception.GetType().Name);
                violations.Add(Describe(i, operations, mutant, $"threw {exception}"));
                continue;
            }

            if (!Enum.IsDefined(result.FailureReason))
            {
                violations.Add(Describe(i, operations, mutant, $"reason {(int)result.FailureReason} is not a defined reason code"));
            }

            Count(outcomes, result.FailureReason.ToString());
            if (!result.IsValid)
            {
                continue;
            }

            Count(acceptedOperations, operations);
            var problem = AcceptedMutantProblem(mutant, originalCanonical, result.Assertion, baseline.Assertion!, certificate);
            if (problem is not null)
            {
                violations.Add(Describe(i, operations, mutant, problem));
            }
        }

        stopwatch.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{MutantCount} mutants (seed {Seed}, {unchanged} byte-identical to the original) in {stopwatch.Elapsed.TotalSeconds:F1} s ({cpu.TotalSeconds:F1} s CPU)"));
        foreach (var (outcome, count) in outcomes.OrderByDescending(o => o.Value))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {outcome,-36} {count,6}"));
        }

        output.WriteLine("accepted mutants by operations (the 20 most frequent):");
        foreach (var (operations, count) in acceptedOperations.OrderByDescending(o => o.Value).Take(20))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {operations,-60} {count,6}"));
        }

        Assert.True(violations.Count == 0, $"{violations.Count} violations; the first ones:\n" + string.Join("\n\n", violations.Take(5)));

        // The mutator is not trivially broken: it reaches many rejection reasons, and some changes it
        // makes are signature-neutral (whitespace inside tags, comments, character references...).
        var reasons = outcomes.Keys.Where(k => k != nameof(Saml2AssertionFailureReason.None)).ToList();
        Assert.True(reasons.Count >= 12, $"only {reasons.Count} distinct reasons: {string.Join(", ", reasons)}");
        Assert.InRange(outcomes.GetValueOrDefault(nameof(Saml2AssertionFailureReason.None)), unchanged + 1, MutantCount / 2);
    }

    [Theory]
    [InlineData("Signature", "ID")]
    [InlineData("Signature", "id")]
    [InlineData("Signature", "Algorithm")]
    [InlineData("SignatureValue", "ID")]
    [InlineData("SignatureValue", "id")]
    public async Task ValidateDecodedAsync_AttributeOtherThanIdOnSignatureOrSignatureValue_ReturnsMalformedSignature(string element, string attribute)
    {
        // Found by this mutation test (AddIdAttribute): the validator accepted these unsigned attributes,
        // which the XML-DSig schema does not allow and SignedXml.LoadXml rejects as malformed.
        var document = fixture.NewAssertion().BuildSigned(fixture.IdpKey);
        MaliciousAssertions.Dsig(document, element).SetAttribute(attribute, "_mutation");

        var result = await fixture.CreateValidator().ValidateDecodedAsync(Saml2AssertionBuilder.ToBytes(document));

        Assert.Equal(Saml2AssertionFailureReason.MalformedSignature, result.FailureReason);
    }

    [Theory]
    [InlineData("Signature")]
    [InlineData("SignatureValue")]
    public async Task ValidateDecodedAsync_IdAttributeOnSignatureOrSignatureValue_IsAccepted(string element)
    {
        // The schema's one attribute on these elements stays allowed.
        var document = fixture.NewAssertion().BuildSigned(fixture.IdpKey);
        MaliciousAssertions.Dsig(document, element).SetAttribute("Id", "_signature-part");

        var result = await fixture.CreateValidator().ValidateDecodedAsync(Saml2AssertionBuilder.ToBytes(document));

        Assert.True(result.IsValid, result.FailureMessage);
    }

    [Fact]
    public async Task ValidateDecodedAsync_KeyInfoCertificateNotBase64_IsAcceptedAsTheSignedSubject()
    {
        // Found by afl-fuzz (build/fuzz.sh, first run, both crashes): an accepted assertion whose KeyInfo
        // certificate text is not base64. KeyInfo is unsigned and never a key source, so the validator
        // rightly accepts it; the crash was the differential oracle's SignedXml.LoadXml throwing on it.
        var document = fixture.NewAssertion().BuildSigned(fixture.IdpKey);
        var certificate = MaliciousAssertions.Dsig(document, "X509Certificate");
        certificate.InnerText = "*" + certificate.InnerText[1..];

        var result = await fixture.CreateValidator().ValidateDecodedAsync(Saml2AssertionBuilder.ToBytes(document));

        Assert.True(result.IsValid, result.FailureMessage);
        Assert.Equal("alice@example.com", result.Assertion.NameId.Value);
    }

    private static string? AcceptedMutantProblem(
        byte[] mutant,
        byte[] originalCanonical,
        Saml2Assertion accepted,
        Saml2Assertion original,
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        if (!SignedContent(mutant).AsSpan().SequenceEqual(originalCanonical))
        {
            return "accepted, but its signed content differs from the original's";
        }

        if (accepted.NameId.Value != original.NameId.Value || accepted.Issuer != original.Issuer || accepted.Id != original.Id)
        {
            return $"accepted as NameID '{accepted.NameId.Value}', Issuer '{accepted.Issuer}', ID '{accepted.Id}'";
        }

        try
        {
            return SignedXmlVerifies(mutant, certificate) ? null : "accepted, but SignedXml.CheckSignature rejects it";
        }
        catch (System.Security.Cryptography.CryptographicException exception)
        {
            return "accepted, but SignedXml cannot load the signature: " + exception.Message;
        }
    }

    /// <summary>
    /// The exclusive canonical form (without comments) of the document element without its ds:Signature:
    /// what the enveloped signature's digest covers. Nodes beside the document element (comments, PIs,
    /// an XML declaration) are outside a bare-name reference and left out.
    /// </summary>
    private static byte[] SignedContent(byte[] xml)
    {
        var loaded = Load(xml);
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.AppendChild(document.ImportNode(loaded.DocumentElement!, deep: true));
        foreach (var signature in document.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl).Cast<XmlElement>().ToList())
        {
            signature.ParentNode!.RemoveChild(signature);
        }

        var transform = new XmlDsigExcC14NTransform(includeComments: false);
        transform.LoadInput(document);
        using var canonical = (Stream)transform.GetOutput(typeof(Stream));
        using var buffer = new MemoryStream();
        canonical.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Whether <see cref="SignedXml"/> verifies the signature with the trusted certificate. KeyInfo is
    /// removed first: it is not signed, both sides verify with the configured certificate only, and
    /// SignedXml.LoadXml throws on a KeyInfo it cannot parse (a mutated certificate), which the validator
    /// rightly ignores.
    /// </summary>
    private static bool SignedXmlVerifies(byte[] xml, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var document = Load(xml);
        var signature = (XmlElement)document.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl)[0]!;
        foreach (var keyInfo in signature.ChildNodes.OfType<XmlElement>().Where(e => e.LocalName == "KeyInfo").ToList())
        {
            signature.RemoveChild(keyInfo);
        }

        var signedXml = new AssertionIdSignedXml(document);
        signedXml.LoadXml(signature);
        return signedXml.CheckSignature(certificate, verifySignatureOnly: true);
    }

    /// <summary>SignedXml that also resolves SAML 1.1's <c>AssertionID</c> (on the document element only).</summary>
    private sealed class AssertionIdSignedXml(XmlDocument document) : SignedXml(document)
    {
        public override XmlElement? GetIdElement(XmlDocument? document, string idValue) =>
            base.GetIdElement(document, idValue)
            ?? (document?.DocumentElement is { } root && root.GetAttribute("AssertionID") == idValue ? root : null);
    }

    private static XmlDocument Load(byte[] xml)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var reader = XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        document.Load(reader);
        return document;
    }

    private static void Count(SortedDictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    private static string Describe(int index, string operations, byte[] mutant, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"mutant {index} ({operations}): {problem}\n{Encoding.UTF8.GetString(mutant)}");
}
