using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// Builds SAML 2.0 assertions for tests, signs them with <see cref="SignedXml"/> (an implementation
/// independent of the validator's verifier) or by hand for ECDSA, and exposes the document so tests
/// can produce each malicious variant.
/// </summary>
public sealed class Saml2AssertionBuilder
{
    /// <summary>The SAML 2.0 assertion namespace.</summary>
    public const string AssertionNs = "urn:oasis:names:tc:SAML:2.0:assertion";
    /// <summary>The SAML 2.0 protocol namespace.</summary>
    public const string ProtocolNs = "urn:oasis:names:tc:SAML:2.0:protocol";
    /// <summary>The XML-DSig namespace.</summary>
    public const string DsigNs = "http://www.w3.org/2000/09/xmldsig#";
    /// <summary>The issuer used unless set.</summary>
    public const string DefaultIssuer = "https://idp.example.com/saml";
    /// <summary>The audience used unless set.</summary>
    public const string DefaultAudience = "https://as.example.com";
    /// <summary>The recipient used unless set.</summary>
    public const string DefaultRecipient = "https://as.example.com/oauth2/token";
    /// <summary>The email-address NameID format.</summary>
    public const string EmailFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    /// <summary>The bearer confirmation method.</summary>
    public const string BearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

    /// <summary>Creates a builder whose times are relative to <paramref name="now"/>.</summary>
    /// <param name="now">The current instant of the test's clock.</param>
    public Saml2AssertionBuilder(DateTimeOffset now)
    {
        IssueInstant = now;
        NotBefore = now.AddMinutes(-1);
        NotOnOrAfter = now.AddMinutes(5);
        SubjectConfirmationNotOnOrAfter = now.AddMinutes(5);
        AuthnInstant = now.AddMinutes(-2);
    }

    /// <summary>The namespace prefix of SAML elements (empty for the default namespace).</summary>
    public string Prefix { get; set; } = "saml";
    /// <summary>The assertion ID.</summary>
    public string Id { get; set; } = "_" + Guid.NewGuid().ToString("N");
    /// <summary>The Version attribute, or null to omit it.</summary>
    public string? Version { get; set; } = "2.0";
    /// <summary>The IssueInstant, or null to omit it.</summary>
    public DateTimeOffset? IssueInstant { get; set; }
    /// <summary>The Issuer, or null to omit it.</summary>
    public string? Issuer { get; set; } = DefaultIssuer;
    /// <summary>Whether a Subject is written.</summary>
    public bool IncludeSubject { get; set; } = true;
    /// <summary>The NameID text, or null to omit it.</summary>
    public string? NameId { get; set; } = "alice@example.com";
    /// <summary>The NameID Format, or null.</summary>
    public string? NameIdFormat { get; set; } = EmailFormat;
    /// <summary>The NameID NameQualifier, or null.</summary>
    public string? NameQualifier { get; set; }
    /// <summary>The NameID SPNameQualifier, or null.</summary>
    public string? SPNameQualifier { get; set; }
    /// <summary>The SubjectConfirmation Method.</summary>
    public string SubjectConfirmationMethod { get; set; } = BearerMethod;
    /// <summary>The bearer Recipient, or null.</summary>
    public string? Recipient { get; set; } = DefaultRecipient;
    /// <summary>The SubjectConfirmationData NotOnOrAfter, or null.</summary>
    public DateTimeOffset? SubjectConfirmationNotOnOrAfter { get; set; }
    /// <summary>Whether Conditions are written.</summary>
    public bool IncludeConditions { get; set; } = true;
    /// <summary>The Conditions NotBefore, or null.</summary>
    public DateTimeOffset? NotBefore { get; set; }
    /// <summary>The Conditions NotOnOrAfter, or null.</summary>
    public DateTimeOffset? NotOnOrAfter { get; set; }

    /// <summary>One list per AudienceRestriction. Empty: no AudienceRestriction at all.</summary>
    public List<List<string>> AudienceRestrictions { get; } = [[DefaultAudience]];

    /// <summary>The AuthnStatement AuthnInstant.</summary>
    public DateTimeOffset AuthnInstant { get; set; }
    /// <summary>The AuthnContextClassRef, or null.</summary>
    public string? AuthnContextClassRef { get; set; } = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
    /// <summary>The SessionIndex, or null.</summary>
    public string? SessionIndex { get; set; } = "_session-1";
    /// <summary>The AuthnStatement SessionNotOnOrAfter, or null (the default) for none.</summary>
    public DateTimeOffset? SessionNotOnOrAfter { get; set; }

    /// <summary>Attributes by name, each with all its values.</summary>
    public List<KeyValuePair<string, string[]>> Attributes { get; } =
    [
        new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", ["alice@example.com"]),
        new("urn:oid:1.3.6.1.4.1.5923.1.1.1.7", ["orders.read", "orders.write"]),
    ];

    /// <summary>The signature method URI.</summary>
    public string SignatureAlgorithm { get; set; } = SignedXml.XmlDsigRSASHA256Url;
    /// <summary>The digest method URI.</summary>
    public string DigestAlgorithm { get; set; } = SignedXml.XmlDsigSHA256Url;
    /// <summary>The SignedInfo canonicalization method URI.</summary>
    public string CanonicalizationMethod { get; set; } = SignedXml.XmlDsigExcC14NTransformUrl;
    /// <summary>Whether the certificate is written into KeyInfo.</summary>
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
        SetAttribute(authn, "SessionNotOnOrAfter", Format(SessionNotOnOrAfter));
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

    /// <summary>base64 of the UTF-8 serialisation of <paramref name="document"/>: what a caller sends.</summary>
    /// <param name="document">The document.</param>
    /// <returns>The result.</returns>
    public static string Encode(XmlDocument document) => Convert.ToBase64String(ToBytes(document));

    /// <summary>The UTF-8 serialisation of <paramref name="document"/>, without a byte order mark.</summary>
    /// <param name="document">The document.</param>
    /// <returns>The result.</returns>
    public static byte[] ToBytes(XmlDocument document) => new UTF8Encoding(false).GetBytes(document.OuterXml);

    /// <summary>
    /// Signs the document element of <paramref name="document"/> with an enveloped signature: right after the
    /// Issuer for SAML 2.0; for a SAML 1.1 assertion, referencing its <c>AssertionID</c>, as the last child.
    /// </summary>
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

        // A SAML 1.1 assertion is named by AssertionID, which SignedXml does not resolve on its own, and
        // its schema puts the signature last.
        var saml11 = target.NamespaceURI == Saml11AssertionBuilder.AssertionNs;
        var id = target.GetAttribute(saml11 ? "AssertionID" : "ID");
        var signedXml = saml11 ? new Saml11SignedXml(target) : new SignedXml(target);
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
        if (saml11)
        {
            target.AppendChild(signature);
            return signature;
        }

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
        // sign the canonical SignedInfo by hand. SignedXml digests the references only while computing a
        // signature, so it computes an HMAC one (no key to generate, unlike an RSA placeholder, which
        // cost a key pair per assertion) that the ECDSA value below replaces.
        var hashName = signatureAlgorithm.EndsWith("384", StringComparison.Ordinal) ? HashAlgorithmName.SHA384
            : signatureAlgorithm.EndsWith("512", StringComparison.Ordinal) ? HashAlgorithmName.SHA512
            : HashAlgorithmName.SHA256;
        var signatureMethod = signedXml.SignedInfo!.SignatureMethod;
        using (var referencesOnly = new HMACSHA256(new byte[32]))
        {
            signedXml.ComputeSignature(referencesOnly);
        }

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

    /// <summary>Formats an instant as a SAML <c>xs:dateTime</c> in UTC.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The result.</returns>
    public static string? Format(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
