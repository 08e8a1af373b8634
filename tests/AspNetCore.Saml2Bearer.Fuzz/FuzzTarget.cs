using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Fuzz;

/// <summary>
/// One fuzz iteration: the input goes through decode + validate as a string (UTF-8 decoded) and as
/// decoded XML bytes, through a validator with the default settings and one with every option on (SAML 1.1 included).
/// Anything escaping is a crash, and so is an oracle violation: a reason code outside the enum, or an
/// accepted assertion that <see cref="SignedXml"/> does not verify with the same trusted certificates.
/// </summary>
internal sealed class FuzzTarget
{
    /// <summary>The instant the seed corpus is signed at and the validators' clock is stopped at.</summary>
    public static readonly DateTimeOffset Instant = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private readonly Saml2AssertionValidator _strict;
    private readonly Saml2AssertionValidator _permissive;
    private readonly X509Certificate2[] _certificates;

    public FuzzTarget(IReadOnlyList<(string EntityId, X509Certificate2 Certificate)> trusted)
    {
        _certificates = trusted.Select(t => t.Certificate).ToArray();
        _strict = new Saml2AssertionValidator(CreateParameters(trusted, permissive: false));
        _permissive = new Saml2AssertionValidator(CreateParameters(trusted, permissive: true));
    }

    /// <summary>Runs one input; throws when the validator threw or an oracle failed.</summary>
    public void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        Check(_strict.ValidateAsync(text).AsTask().GetAwaiter().GetResult(), () => _strict.Decode(text).Xml);
        Check(_permissive.ValidateAsync(text).AsTask().GetAwaiter().GetResult(), () => _permissive.Decode(text).Xml);
        Check(_permissive.ValidateDecodedAsync(input).AsTask().GetAwaiter().GetResult(), () => input);
    }

    /// <summary>The outcome of the permissive validator on the input as a string, for replaying a file.</summary>
    public Saml2AssertionFailureReason Outcome(byte[] input)
    {
        var result = _permissive.ValidateAsync(Encoding.UTF8.GetString(input)).AsTask().GetAwaiter().GetResult();
        return result.FailureReason;
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
