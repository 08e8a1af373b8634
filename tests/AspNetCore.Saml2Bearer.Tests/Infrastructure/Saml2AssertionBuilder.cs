using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// Builds SAML 2.0 assertions for tests, signs them with <see cref="SignedXml"/> (an implementation
/// independent of the validator's verifier) or by hand for ECDSA, and exposes the document so tests
/// can produce each malicious variant.
/// </summary>
public sealed class Saml2AssertionBuilder
{
    public const string AssertionNs = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string ProtocolNs = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string DsigNs = "http://www.w3.org/2000/09/xmldsig#";
    public const string DefaultIssuer = "https://idp.example.com/saml";
    public const string DefaultAudience = "https://as.example.com";
    public const string DefaultRecipient = "https://as.example.com/oauth2/token";
    public const string EmailFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    public const string BearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

    public Saml2AssertionBuilder(DateTimeOffset now)
    {
        IssueInstant = now;
        NotBefore = now.AddMinutes(-1);
        NotOnOrAfter = now.AddMinutes(5);
        SubjectConfirmationNotOnOrAfter = now.AddMinutes(5);
        AuthnInstant = now.AddMinutes(-2);
    }

    public string Prefix { get; set; } = "saml";
    public string Id { get; set; } = "_" + Guid.NewGuid().ToString("N");
    public string? Version { get; set; } = "2.0";
    public DateTimeOffset? IssueInstant { get; set; }
    public string? Issuer { get; set; } = DefaultIssuer;
    public bool IncludeSubject { get; set; } = true;
    public string? NameId { get; set; } = "alice@example.com";
    public string? NameIdFormat { get; set; } = EmailFormat;
    public string? NameQualifier { get; set; }
    public string? SPNameQualifier { get; set; }
    public string SubjectConfirmationMethod { get; set; } = BearerMethod;
    public string? Recipient { get; set; } = DefaultRecipient;
    public DateTimeOffset? SubjectConfirmationNotOnOrAfter { get; set; }
    public bool IncludeConditions { get; set; } = true;
    public DateTimeOffset? NotBefore { get; set; }
    public DateTimeOffset? NotOnOrAfter { get; set; }

    /// <summary>One list per AudienceRestriction. Empty: no AudienceRestriction at all.</summary>
    public List<List<string>> AudienceRestrictions { get; } = [[DefaultAudience]];

    public DateTimeOffset AuthnInstant { get; set; }
    public string? AuthnContextClassRef { get; set; } = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
    public string? SessionIndex { get; set; } = "_session-1";

    /// <summary>Attributes by name, each with all its values.</summary>
    public List<KeyValuePair<string, string[]>> Attributes { get; } =
    [
        new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", ["alice@example.com"]),
        new("urn:oid:1.3.6.1.4.1.5923.1.1.1.7", ["orders.read", "orders.write"]),
    ];

    public string SignatureAlgorithm { get; set; } = SignedXml.XmlDsigRSASHA256Url;
    public string DigestAlgorithm { get; set; } = SignedXml.XmlDsigSHA256Url;
    public string CanonicalizationMethod { get; set; } = SignedXml.XmlDsigExcC14NTransformUrl;
    public bool IncludeKeyInfo { get; set; } = true;

    /// <summary>Runs on the unsigned document before it is signed (the change is covered by the signature).</summary>
    public Action<XmlDocument>? BeforeSigning { get; set; }

    /// <summary>The unsigned assertion document.</summary>
    public XmlDocument BuildUnsigned()
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        var assertion = Element(document, "Assertion");
        document.AppendChild(assertion);
        SetAttribute(assertion, "ID", Id);
        SetAttribute(assertion, "Version", Version);
        SetAttribute(assertion, "IssueInstant", Format(IssueInstant));

        if (Issuer is not null)
        {
            assertion.AppendChild(Element(document, "Issuer", Issuer));
        }

        if (IncludeSubject)
        {
            var subject = assertion.AppendChild(Element(document, "Subject"))!;
            if (NameId is not null)
            {
                var nameId = (XmlElement)subject.AppendChild(Element(document, "NameID", NameId))!;
                SetAttribute(nameId, "Format", NameIdFormat);
                SetAttribute(nameId, "NameQualifier", NameQualifier);
                SetAttribute(nameId, "SPNameQualifier", SPNameQualifier);
            }

            var confirmation = (XmlElement)subject.AppendChild(Element(document, "SubjectConfirmation"))!;
            confirmation.SetAttribute("Method", SubjectConfirmationMethod);
            var data = (XmlElement)confirmation.AppendChild(Element(document, "SubjectConfirmationData"))!;
            SetAttribute(data, "NotOnOrAfter", Format(SubjectConfirmationNotOnOrAfter));
            SetAttribute(data, "Recipient", Recipient);
        }

        if (IncludeConditions)
        {
            var conditions = (XmlElement)assertion.AppendChild(Element(document, "Conditions"))!;
            SetAttribute(conditions, "NotBefore", Format(NotBefore));
            SetAttribute(conditions, "NotOnOrAfter", Format(NotOnOrAfter));
            foreach (var restriction in AudienceRestrictions)
            {
                var element = conditions.AppendChild(Element(document, "AudienceRestriction"))!;
                foreach (var audience in restriction)
                {
                    element.AppendChild(Element(document, "Audience", audience));
                }
            }
        }

        var authn = (XmlElement)assertion.AppendChild(Element(document, "AuthnStatement"))!;
        authn.SetAttribute("AuthnInstant", Format(AuthnInstant));
        SetAttribute(authn, "SessionIndex", SessionIndex);
        if (AuthnContextClassRef is not null)
        {
            authn.AppendChild(Element(document, "AuthnContext"))!.AppendChild(Element(document, "AuthnContextClassRef", AuthnContextClassRef));
        }

        if (Attributes.Count > 0)
        {
            var statement = assertion.AppendChild(Element(document, "AttributeStatement"))!;
            foreach (var (name, values) in Attributes)
            {
                var attribute = (XmlElement)statement.AppendChild(Element(document, "Attribute"))!;
                attribute.SetAttribute("Name", name);
                attribute.SetAttribute("NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri");
                foreach (var value in values)
                {
                    attribute.AppendChild(Element(document, "AttributeValue", value));
                }
            }
        }

        return document;
    }

    /// <summary>The signed assertion document: the signature is placed right after the Issuer.</summary>
    public XmlDocument BuildSigned(TestSigningKey key)
    {
        var document = BuildUnsigned();
        BeforeSigning?.Invoke(document);
        Sign(document, key, SignatureAlgorithm, DigestAlgorithm, CanonicalizationMethod, IncludeKeyInfo);
        return document;
    }

    /// <summary>base64 of the UTF-8 serialisation of the signed assertion.</summary>
    public string BuildEncoded(TestSigningKey key) => Encode(BuildSigned(key));

    public static string Encode(XmlDocument document) => Convert.ToBase64String(ToBytes(document));

    public static byte[] ToBytes(XmlDocument document) => new UTF8Encoding(false).GetBytes(document.OuterXml);

    /// <summary>Signs the document element of <paramref name="document"/> with an enveloped signature.</summary>
    public static XmlElement Sign(
        XmlDocument document,
        TestSigningKey key,
        string signatureAlgorithm = SignedXml.XmlDsigRSASHA256Url,
        string digestAlgorithm = SignedXml.XmlDsigSHA256Url,
        string canonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl,
        bool includeKeyInfo = true,
        XmlElement? target = null,
        Action<Reference>? configureReference = null,
        KeyedHashAlgorithm? hmacKey = null)
    {
        target ??= document.DocumentElement!;
        var id = target.GetAttribute("ID");
        var signedXml = new SignedXml(target);
        signedXml.SignedInfo!.CanonicalizationMethod = canonicalizationMethod;
        signedXml.SignedInfo.SignatureMethod = signatureAlgorithm;
        var reference = new Reference("#" + id) { DigestMethod = digestAlgorithm };
        if (configureReference is null)
        {
            reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
            reference.AddTransform(new XmlDsigExcC14NTransform());
        }
        else
        {
            configureReference(reference);
        }

        signedXml.AddReference(reference);
        if (includeKeyInfo)
        {
            signedXml.KeyInfo = new KeyInfo();
            signedXml.KeyInfo.AddClause(new KeyInfoX509Data(key.Certificate));
        }

        if (hmacKey is not null)
        {
            signedXml.ComputeSignature(hmacKey);
        }
        else if (key.PrivateKey is ECDsa ecdsa)
        {
            signedXml.SigningKey = ecdsa;
            signedXml.SafeCanonicalizationMethods.Add(canonicalizationMethod);
            ComputeEcdsaSignature(signedXml, ecdsa, signatureAlgorithm);
        }
        else
        {
            signedXml.SigningKey = key.PrivateKey;
            signedXml.ComputeSignature();
        }

        var signature = (XmlElement)document.ImportNode(signedXml.GetXml(), deep: true);
        var issuer = target.GetElementsByTagName("Issuer", AssertionNs).Cast<XmlElement>().FirstOrDefault(e => e.ParentNode == target);
        if (issuer is not null)
        {
            target.InsertAfter(signature, issuer);
        }
        else
        {
            target.PrependChild(signature);
        }

        return signature;
    }

    private static void ComputeEcdsaSignature(SignedXml signedXml, ECDsa ecdsa, string signatureAlgorithm)
    {
        // SignedXml has no ECDSA signature description: compute the references with SignedXml, then
        // sign the canonical SignedInfo by hand.
        var hashName = signatureAlgorithm.EndsWith("384", StringComparison.Ordinal) ? HashAlgorithmName.SHA384
            : signatureAlgorithm.EndsWith("512", StringComparison.Ordinal) ? HashAlgorithmName.SHA512
            : HashAlgorithmName.SHA256;
        using var placeholder = RSA.Create(2048);
        signedXml.SigningKey = placeholder;
        var signatureMethod = signedXml.SignedInfo!.SignatureMethod;
        signedXml.SignedInfo.SignatureMethod = SignedXml.XmlDsigRSASHA256Url;
        signedXml.ComputeSignature();
        signedXml.SignedInfo.SignatureMethod = signatureMethod;

        var signedInfoDocument = new XmlDocument { PreserveWhitespace = true };
        signedInfoDocument.AppendChild(signedInfoDocument.ImportNode(signedXml.SignedInfo.GetXml(), true));
        var c14n = new XmlDsigExcC14NTransform();
        c14n.LoadInput(signedInfoDocument);
        using var stream = (Stream)c14n.GetOutput(typeof(Stream));
        var canonical = new MemoryStream();
        stream.CopyTo(canonical);
        var signatureValue = ecdsa.SignData(canonical.ToArray(), hashName);
        signedXml.Signature.SignatureValue = signatureValue;
    }

    private XmlElement Element(XmlDocument document, string localName, string? text = null)
    {
        var element = document.CreateElement(Prefix, localName, AssertionNs);
        if (text is not null)
        {
            element.InnerText = text;
        }

        return element;
    }

    private static void SetAttribute(XmlElement element, string name, string? value)
    {
        if (value is not null)
        {
            element.SetAttribute(name, value);
        }
    }

    public static string? Format(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
