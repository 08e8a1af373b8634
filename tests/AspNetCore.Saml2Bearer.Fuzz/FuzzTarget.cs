using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Fuzz;

/// <summary>
/// One fuzz iteration: the input goes through decode + validate as a string (UTF-8 decoded) and as
/// decoded XML bytes, through a validator with the default settings and one with every option on (SAML 1.1
/// included), and through the SOAP envelope reader as SOAP 1.1 and 1.2. Anything escaping is a crash, and
/// so is an oracle violation: a reason code outside the enum; an accepted assertion that
/// <see cref="SignedXml"/> does not verify with the same trusted certificates; or an assertion taken from
/// an envelope whose bytes (what the authorization server is sent) do not load back into the tree that
/// was validated, or get another verdict than that tree.
/// </summary>
internal sealed class FuzzTarget
{
    /// <summary>The instant the seed corpus is signed at and the validators' clock is stopped at.</summary>
    public static readonly DateTimeOffset Instant = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The handler's default <c>MaximumSoapEnvelopeSize</c>.</summary>
    private const int MaximumEnvelopeSize = 256 * 1024;

    private readonly Saml2AssertionValidator _strict;
    private readonly Saml2AssertionValidationParameters _permissiveParameters;
    private readonly Saml2AssertionValidator _permissive;
    private readonly X509Certificate2[] _certificates;

    public FuzzTarget(IReadOnlyList<(string EntityId, X509Certificate2 Certificate)> trusted)
    {
        _certificates = trusted.Select(t => t.Certificate).ToArray();
        _strict = new Saml2AssertionValidator(CreateParameters(trusted, permissive: false));
        _permissiveParameters = CreateParameters(trusted, permissive: true);
        _permissive = new Saml2AssertionValidator(_permissiveParameters);
    }

    /// <summary>Runs one input; throws when the validator threw or an oracle failed.</summary>
    public void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        Check(_strict.ValidateAsync(text).AsTask().GetAwaiter().GetResult(), () => _strict.Decode(text).Xml);
        Check(_permissive.ValidateAsync(text).AsTask().GetAwaiter().GetResult(), () => _permissive.Decode(text).Xml);
        Check(_permissive.ValidateDecodedAsync(input).AsTask().GetAwaiter().GetResult(), () => input);
        RunSoap(input, SoapVersion.Soap11);
        RunSoap(input, SoapVersion.Soap12);
    }

    /// <summary>
    /// The outcome, for replaying a file: of the SOAP path for an input that names a SOAP envelope namespace
    /// (in that version), else of the permissive validator on the input as a string.
    /// </summary>
    public string Outcome(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        return text.Contains(SoapConstants.Soap12Namespace, StringComparison.Ordinal) ? RunSoap(input, SoapVersion.Soap12)
            : text.Contains(SoapConstants.Soap11Namespace, StringComparison.Ordinal) ? RunSoap(input, SoapVersion.Soap11)
            : _permissive.ValidateAsync(text).AsTask().GetAwaiter().GetResult().FailureReason.ToString();
    }

    /// <summary>
    /// The input as the body of a SOAP request: the envelope read, and an assertion it yields checked
    /// against the bytes the authorization server would be sent. Returns the outcome: the name of the
    /// reason code (<c>None</c> for an accepted assertion), <c>NoAssertion</c> or <c>NotAnEnvelope</c>.
    /// </summary>
    private string RunSoap(byte[] input, SoapVersion version)
    {
        var read = SoapEnvelopeReader.Read(input, version, MaximumEnvelopeSize, _permissiveParameters.MaximumElementDepth + SoapEnvelopeReader.EnvelopeDepth);
        if (!Enum.IsDefined(read.FailureReason))
        {
            throw new InvalidOperationException($"Oracle: undefined SOAP reason code {(int)read.FailureReason}.");
        }

        if (read.Outcome != SoapEnvelopeOutcome.Assertion)
        {
            return read.Outcome is SoapEnvelopeOutcome.NoAssertion or SoapEnvelopeOutcome.NotAnEnvelope ? read.Outcome.ToString() : read.FailureReason.ToString();
        }

        // Before validation, which takes the signature out of the document.
        var tree = XmlTreeDump.Of(read.AssertionDocument!);
        var reloaded = SecureXmlLoader.Load(read.AssertionXml!, _permissiveParameters, out var loadFailure)
            ?? throw new InvalidOperationException($"Oracle: the envelope's assertion bytes do not load ({loadFailure}).");
        if (!string.Equals(XmlTreeDump.Of(reloaded), tree, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Oracle: the envelope's assertion bytes load into another tree than the one validated.");
        }

        var local = _permissive.ValidateLoadedAsync(read.AssertionDocument!, read.AssertionXml!).AsTask().GetAwaiter().GetResult();
        var sentOn = _permissive.ValidateDecodedAsync(read.AssertionXml!).AsTask().GetAwaiter().GetResult();
        if (local.FailureReason != sentOn.FailureReason)
        {
            throw new InvalidOperationException($"Oracle: the envelope's assertion is {local.FailureReason} as validated but {sentOn.FailureReason} as sent on.");
        }

        Check(local, () => read.AssertionXml);
        return local.FailureReason.ToString();
    }

    private void Check(Saml2AssertionValidationResult result, Func<byte[]?> decoded)
    {
        if (!Enum.IsDefined(result.FailureReason))
        {
            throw new InvalidOperationException($"Oracle: undefined reason code {(int)result.FailureReason}.");
        }

        if (!result.IsValid)
        {
            return;
        }

        // SignedXml has no ECDSA signature description: the differential check covers RSA only.
        if (result.Assertion.SignatureAlgorithm.Contains("ecdsa", StringComparison.Ordinal))
        {
            return;
        }

        var xml = decoded() ?? throw new InvalidOperationException("Oracle: accepted, but the input does not decode.");
        if (!SignedXmlAccepts(xml))
        {
            throw new InvalidOperationException("Oracle: accepted, but SignedXml.CheckSignature with the trusted certificates rejects it.");
        }
    }

    private bool SignedXmlAccepts(byte[] xml)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using (var reader = XmlReader.Create(new MemoryStream(xml), settings))
        {
            document.Load(reader);
        }

        var signatures = document.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl);
        var signature = signatures.Cast<XmlElement>().FirstOrDefault(s => s.ParentNode is XmlElement { LocalName: "Assertion" });
        if (signature is null)
        {
            return false;
        }

        // KeyInfo is unsigned and a hint only: both sides verify with the configured certificates, and
        // SignedXml.LoadXml throws on a KeyInfo it cannot parse, which the validator rightly ignores.
        foreach (var keyInfo in signature.ChildNodes.OfType<XmlElement>().Where(e => e.LocalName == "KeyInfo").ToList())
        {
            signature.RemoveChild(keyInfo);
        }

        var signedXml = new AssertionIdSignedXml(document);
        signedXml.LoadXml(signature);
        return _certificates.Any(c => signedXml.CheckSignature(c, verifySignatureOnly: true));
    }

    /// <summary>SignedXml that also resolves SAML 1.1's <c>AssertionID</c> on the document element.</summary>
    private sealed class AssertionIdSignedXml(XmlDocument document) : SignedXml(document)
    {
        public override XmlElement? GetIdElement(XmlDocument? document, string idValue) =>
            base.GetIdElement(document, idValue)
            ?? (document?.DocumentElement is { } root && root.GetAttribute("AssertionID") == idValue ? root : null);
    }

    private static Saml2AssertionValidationParameters CreateParameters(
        IReadOnlyList<(string EntityId, X509Certificate2 Certificate)> trusted,
        bool permissive)
    {
        var parameters = new Saml2AssertionValidationParameters { TimeProvider = new FixedTimeProvider(Instant) };
        foreach (var issuer in trusted.GroupBy(t => t.EntityId, StringComparer.Ordinal))
        {
            parameters.AddIdentityProvider(issuer.Key, issuer.Select(t => t.Certificate).ToArray());
        }

        parameters.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        parameters.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        if (permissive)
        {
            parameters.AllowedEncodings = Saml2AssertionEncodings.Default | Saml2AssertionEncodings.RawXml;
            parameters.AllowResponseWrapper = true;
            parameters.AllowSha1 = true;
            parameters.AllowSaml11 = true;
        }

        return parameters;
    }
}
