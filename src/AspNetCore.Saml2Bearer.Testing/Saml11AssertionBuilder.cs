using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// Builds SAML 1.1 assertions (OASIS sstc-saml-core-1.1) for tests, shaped like AD FS's: an
/// <c>AuthenticationStatement</c> and an <c>AttributeStatement</c>, each with its own <c>Subject</c> and
/// bearer confirmation, the signature (by <see cref="SignedXml"/>, referencing <c>AssertionID</c>) as the
/// last child. The document is exposed so tests can produce each malicious variant.
/// </summary>
public sealed class Saml11AssertionBuilder
{
    /// <summary>The SAML 1.0/1.1 assertion namespace.</summary>
    public const string AssertionNs = "urn:oasis:names:tc:SAML:1.0:assertion";
    /// <summary>The SAML 1.1 bearer confirmation method.</summary>
    public const string BearerMethod = "urn:oasis:names:tc:SAML:1.0:cm:bearer";
    /// <summary>The SAML 1.1 holder-of-key confirmation method.</summary>
    public const string HolderOfKeyMethod = "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key";
    /// <summary>The SAML 1.1 sender-vouches confirmation method.</summary>
    public const string SenderVouchesMethod = "urn:oasis:names:tc:SAML:1.0:cm:sender-vouches";
    /// <summary>The password authentication method.</summary>
    public const string PasswordMethod = "urn:oasis:names:tc:SAML:1.0:am:password";

    /// <summary>Creates a builder whose times are relative to <paramref name="now"/>.</summary>
    /// <param name="now">The current instant of the test's clock.</param>
    public Saml11AssertionBuilder(DateTimeOffset now)
    {
        IssueInstant = now;
        NotBefore = now.AddMinutes(-1);
        NotOnOrAfter = now.AddMinutes(5);
        AuthenticationInstant = now.AddMinutes(-2);
    }

    /// <summary>The namespace prefix of SAML elements (empty for the default namespace). Default: <c>saml</c>, as AD FS writes.</summary>
    public string Prefix { get; set; } = "saml";
    /// <summary>The AssertionID, or null to omit it.</summary>
    public string? AssertionId { get; set; } = "_" + Guid.NewGuid().ToString("N");
    /// <summary>The MajorVersion attribute, or null to omit it.</summary>
    public string? MajorVersion { get; set; } = "1";
    /// <summary>The MinorVersion attribute, or null to omit it.</summary>
    public string? MinorVersion { get; set; } = "1";
    /// <summary>The IssueInstant, or null to omit it.</summary>
    public DateTimeOffset? IssueInstant { get; set; }
    /// <summary>The Issuer attribute, or null to omit it.</summary>
    public string? Issuer { get; set; } = Saml2AssertionBuilder.DefaultIssuer;
    /// <summary>Whether Conditions are written.</summary>
    public bool IncludeConditions { get; set; } = true;
    /// <summary>The Conditions NotBefore, or null.</summary>
    public DateTimeOffset? NotBefore { get; set; }
    /// <summary>The Conditions NotOnOrAfter, or null.</summary>
    public DateTimeOffset? NotOnOrAfter { get; set; }
    /// <summary>Whether a DoNotCacheCondition is written.</summary>
    public bool DoNotCache { get; set; }

    /// <summary>One list per AudienceRestrictionCondition. Empty: none at all.</summary>
    public List<List<string>> AudienceRestrictions { get; } = [[Saml2AssertionBuilder.DefaultAudience]];

    /// <summary>The NameIdentifier text of every statement's Subject, or null to omit it.</summary>
    public string? NameIdentifier { get; set; } = "alice@example.com";
    /// <summary>The NameIdentifier Format, or null.</summary>
    public string? NameIdentifierFormat { get; set; } = Saml2AssertionBuilder.EmailFormat;
    /// <summary>The NameIdentifier NameQualifier, or null.</summary>
    public string? NameQualifier { get; set; }
    /// <summary>The ConfirmationMethod URIs of every statement's SubjectConfirmation. Empty: no SubjectConfirmation.</summary>
    public List<string> ConfirmationMethods { get; } = [BearerMethod];

    /// <summary>Whether an AuthenticationStatement is written.</summary>
    public bool IncludeAuthenticationStatement { get; set; } = true;
    /// <summary>The AuthenticationStatement AuthenticationMethod.</summary>
    public string AuthenticationMethod { get; set; } = PasswordMethod;
    /// <summary>The AuthenticationStatement AuthenticationInstant.</summary>
    public DateTimeOffset AuthenticationInstant { get; set; }

    /// <summary>
    /// Attributes of the AttributeStatement (none: no AttributeStatement), each by its full claim URI: the
    /// part before the last <c>/</c> is written as <c>AttributeNamespace</c>, the rest as <c>AttributeName</c>.
    /// </summary>
    public List<KeyValuePair<string, string[]>> Attributes { get; } =
    [
        new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", ["alice@example.com"]),
        new("http://schemas.microsoft.com/ws/2008/06/identity/claims/role", ["orders.read", "orders.write"]),
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
    /// <returns>The document.</returns>
    public XmlDocument BuildUnsigned()
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        var assertion = Element(document, "Assertion");
        document.AppendChild(assertion);
        SetAttribute(assertion, "MajorVersion", MajorVersion);
        SetAttribute(assertion, "MinorVersion", MinorVersion);
        SetAttribute(assertion, "AssertionID", AssertionId);
        SetAttribute(assertion, "Issuer", Issuer);
        SetAttribute(assertion, "IssueInstant", Saml2AssertionBuilder.Format(IssueInstant));

        if (IncludeConditions)
        {
            var conditions = (XmlElement)assertion.AppendChild(Element(document, "Conditions"))!;
            SetAttribute(conditions, "NotBefore", Saml2AssertionBuilder.Format(NotBefore));
            SetAttribute(conditions, "NotOnOrAfter", Saml2AssertionBuilder.Format(NotOnOrAfter));
            foreach (var restriction in AudienceRestrictions)
            {
                var element = conditions.AppendChild(Element(document, "AudienceRestrictionCondition"))!;
                foreach (var audience in restriction)
                {
                    element.AppendChild(Element(document, "Audience", audience));
                }
            }

            if (DoNotCache)
            {
                conditions.AppendChild(Element(document, "DoNotCacheCondition"));
            }
        }

        if (Attributes.Count > 0)
        {
            var statement = (XmlElement)assertion.AppendChild(Element(document, "AttributeStatement"))!;
            statement.AppendChild(Subject(document));
            foreach (var (name, values) in Attributes)
            {
                var attribute = (XmlElement)statement.AppendChild(Element(document, "Attribute"))!;
                var slash = name.LastIndexOf('/');
                attribute.SetAttribute("AttributeName", slash < 0 ? name : name[(slash + 1)..]);
                attribute.SetAttribute("AttributeNamespace", slash < 0 ? "urn:test" : name[..slash]);
                foreach (var value in values)
                {
                    attribute.AppendChild(Element(document, "AttributeValue", value));
                }
            }
        }

        if (IncludeAuthenticationStatement)
        {
            var statement = (XmlElement)assertion.AppendChild(Element(document, "AuthenticationStatement"))!;
            statement.SetAttribute("AuthenticationMethod", AuthenticationMethod);
            statement.SetAttribute("AuthenticationInstant", Saml2AssertionBuilder.Format(AuthenticationInstant));
            statement.AppendChild(Subject(document));
        }

        return document;
    }

    /// <summary>The signed assertion document: the signature is the last child, referencing <c>#</c> + AssertionID.</summary>
    /// <param name="key">The signing key.</param>
    /// <returns>The document.</returns>
    public XmlDocument BuildSigned(TestSigningKey key)
    {
        var document = BuildUnsigned();
        BeforeSigning?.Invoke(document);
        Saml2AssertionBuilder.Sign(document, key, SignatureAlgorithm, DigestAlgorithm, CanonicalizationMethod, IncludeKeyInfo);
        return document;
    }

    /// <summary>base64 of the UTF-8 serialisation of the signed assertion.</summary>
    /// <param name="key">The signing key.</param>
    /// <returns>The encoded assertion.</returns>
    public string BuildEncoded(TestSigningKey key) => Saml2AssertionBuilder.Encode(BuildSigned(key));

    /// <summary>The UTF-8 bytes of the signed assertion.</summary>
    /// <param name="key">The signing key.</param>
    /// <returns>The bytes.</returns>
    public byte[] BuildBytes(TestSigningKey key) => new UTF8Encoding(false).GetBytes(BuildSigned(key).OuterXml);

    private XmlElement Subject(XmlDocument document)
    {
        var subject = Element(document, "Subject");
        if (NameIdentifier is not null)
        {
            var nameIdentifier = (XmlElement)subject.AppendChild(Element(document, "NameIdentifier", NameIdentifier))!;
            SetAttribute(nameIdentifier, "Format", NameIdentifierFormat);
            SetAttribute(nameIdentifier, "NameQualifier", NameQualifier);
        }

        if (ConfirmationMethods.Count > 0)
        {
            var confirmation = subject.AppendChild(Element(document, "SubjectConfirmation"))!;
            foreach (var method in ConfirmationMethods)
            {
                confirmation.AppendChild(Element(document, "ConfirmationMethod", method));
            }
        }

        return subject;
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
}
