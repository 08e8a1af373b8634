using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>
/// What an assertion says, read for the report only and trusted for nothing: the verdict comes from the
/// handler's validator. Parsed with the validator's precautions (no DTD, no resolver, a size cap), in either
/// SAML 2.0 or SAML 1.1 vocabulary.
/// </summary>
internal sealed class AssertionInspection
{
    private const string Saml2Namespace = "urn:oasis:names:tc:SAML:2.0:assertion";
    private const string Saml11Namespace = "urn:oasis:names:tc:SAML:1.0:assertion";
    private const string DsigNamespace = "http://www.w3.org/2000/09/xmldsig#";
    private const string BearerMethod2 = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
    private const string BearerMethod11 = "urn:oasis:names:tc:SAML:1.0:cm:bearer";

    public string? ParseError { get; private set; }

    public string? RootElement { get; private set; }

    public bool IsSaml11 { get; private set; }

    public string? Version { get; private set; }

    public string? Id { get; private set; }

    public DateTimeOffset? IssueInstant { get; private set; }

    public string? Issuer { get; private set; }

    public string? NameId { get; private set; }

    public string? NameIdFormat { get; private set; }

    public DateTimeOffset? NotBefore { get; private set; }

    public DateTimeOffset? NotOnOrAfter { get; private set; }

    /// <summary>Each audience restriction with the audiences it names.</summary>
    public List<List<string>> AudienceRestrictions { get; } = [];

    public List<Confirmation> Confirmations { get; } = [];

    public string? SignatureMethod { get; private set; }

    public string? DigestMethod { get; private set; }

    /// <summary>The certificates the message's KeyInfo carries (a hint only: keys never come from the message).</summary>
    public List<X509Certificate2> KeyInfoCertificates { get; } = [];

    public bool HasSignature { get; private set; }

    public static AssertionInspection Read(byte[] xml, int maximumLength)
    {
        var inspection = new AssertionInspection();
        XmlDocument document;
        try
        {
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = maximumLength,
                IgnoreProcessingInstructions = true,
            };
            document = new XmlDocument { XmlResolver = null, PreserveWhitespace = true };
            using var stream = new MemoryStream(xml, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            document.Load(reader);
        }
        catch (XmlException exception)
        {
            inspection.ParseError = exception.Message;
            return inspection;
        }

        var root = document.DocumentElement!;
        inspection.RootElement = $"{{{root.NamespaceURI}}}{root.LocalName}";
        var assertion = root.LocalName == "Assertion"
            ? root
            : root.ChildNodes.OfType<XmlElement>().FirstOrDefault(e => e.LocalName == "Assertion" && e.NamespaceURI is Saml2Namespace or Saml11Namespace);
        if (assertion is null || assertion.NamespaceURI is not (Saml2Namespace or Saml11Namespace))
        {
            return inspection;
        }

        if (assertion.NamespaceURI == Saml11Namespace)
        {
            inspection.ReadSaml11(assertion);
        }
        else
        {
            inspection.ReadSaml2(assertion);
        }

        inspection.ReadSignature(assertion);
        return inspection;
    }

    private void ReadSaml2(XmlElement assertion)
    {
        Version = Attribute(assertion, "Version");
        Id = Attribute(assertion, "ID");
        IssueInstant = Time(Attribute(assertion, "IssueInstant"));
        Issuer = Child(assertion, Saml2Namespace, "Issuer")?.InnerText.Trim();
        if (Child(assertion, Saml2Namespace, "Subject") is { } subject)
        {
            if (Child(subject, Saml2Namespace, "NameID") is { } nameId)
            {
                NameId = nameId.InnerText.Trim();
                NameIdFormat = Attribute(nameId, "Format");
            }

            foreach (var confirmation in Children(subject, Saml2Namespace, "SubjectConfirmation"))
            {
                var data = Child(confirmation, Saml2Namespace, "SubjectConfirmationData");
                var method = Attribute(confirmation, "Method");
                Confirmations.Add(new Confirmation(
                    method,
                    method == BearerMethod2,
                    data is null ? null : Attribute(data, "Recipient"),
                    data is null ? null : Time(Attribute(data, "NotBefore")),
                    data is null ? null : Time(Attribute(data, "NotOnOrAfter"))));
            }
        }

        if (Child(assertion, Saml2Namespace, "Conditions") is { } conditions)
        {
            NotBefore = Time(Attribute(conditions, "NotBefore"));
            NotOnOrAfter = Time(Attribute(conditions, "NotOnOrAfter"));
            foreach (var restriction in Children(conditions, Saml2Namespace, "AudienceRestriction"))
            {
                AudienceRestrictions.Add([.. Children(restriction, Saml2Namespace, "Audience").Select(a => a.InnerText.Trim())]);
            }
        }
    }

    private void ReadSaml11(XmlElement assertion)
    {
        IsSaml11 = true;
        Version = $"{Attribute(assertion, "MajorVersion")}.{Attribute(assertion, "MinorVersion")}";
        Id = Attribute(assertion, "AssertionID");
        IssueInstant = Time(Attribute(assertion, "IssueInstant"));
        Issuer = Attribute(assertion, "Issuer");
        if (Child(assertion, Saml11Namespace, "Conditions") is { } conditions)
        {
            NotBefore = Time(Attribute(conditions, "NotBefore"));
            NotOnOrAfter = Time(Attribute(conditions, "NotOnOrAfter"));
            foreach (var restriction in Children(conditions, Saml11Namespace, "AudienceRestrictionCondition"))
            {
                AudienceRestrictions.Add([.. Children(restriction, Saml11Namespace, "Audience").Select(a => a.InnerText.Trim())]);
            }
        }

        foreach (XmlElement subject in assertion.GetElementsByTagName("Subject", Saml11Namespace))
        {
            if (NameId is null && Child(subject, Saml11Namespace, "NameIdentifier") is { } nameId)
            {
                NameId = nameId.InnerText.Trim();
                NameIdFormat = Attribute(nameId, "Format");
            }

            if (Child(subject, Saml11Namespace, "SubjectConfirmation") is { } confirmation)
            {
                foreach (var method in Children(confirmation, Saml11Namespace, "ConfirmationMethod"))
                {
                    var uri = method.InnerText.Trim();
                    Confirmations.Add(new Confirmation(uri, uri == BearerMethod11, null, null, null));
                }
            }
        }
    }

    private void ReadSignature(XmlElement assertion)
    {
        var signature = Child(assertion, DsigNamespace, "Signature");
        if (signature is null)
        {
            return;
        }

        HasSignature = true;
        var signedInfo = Child(signature, DsigNamespace, "SignedInfo");
        SignatureMethod = signedInfo is null ? null : Child(signedInfo, DsigNamespace, "SignatureMethod") is { } method ? Attribute(method, "Algorithm") : null;
        var reference = signedInfo is null ? null : Child(signedInfo, DsigNamespace, "Reference");
        DigestMethod = reference is null ? null : Child(reference, DsigNamespace, "DigestMethod") is { } digest ? Attribute(digest, "Algorithm") : null;
        if (Child(signature, DsigNamespace, "KeyInfo") is { } keyInfo)
        {
            foreach (XmlElement element in keyInfo.GetElementsByTagName("X509Certificate", DsigNamespace))
            {
                try
                {
                    KeyInfoCertificates.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(element.InnerText.Trim())));
                }
                catch (Exception exception) when (exception is FormatException or CryptographicException)
                {
                    // Not a certificate: nothing to name.
                }
            }
        }
    }

    private static string? Attribute(XmlElement element, string name) => element.GetAttributeNode(name)?.Value;

    private static XmlElement? Child(XmlElement parent, string ns, string localName) => Children(parent, ns, localName).FirstOrDefault();

    private static IEnumerable<XmlElement> Children(XmlElement parent, string ns, string localName) =>
        parent.ChildNodes.OfType<XmlElement>().Where(e => e.LocalName == localName && e.NamespaceURI == ns);

    private static DateTimeOffset? Time(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    /// <summary>A subject confirmation: its method, and the bearer data the rules read.</summary>
    internal sealed record Confirmation(string? Method, bool IsBearer, string? Recipient, DateTimeOffset? NotBefore, DateTimeOffset? NotOnOrAfter);
}
