using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Reads the content of a SAML 2.0 assertion element into values (a SAML 1.1 one into the same values:
/// see the other part of this class). Text is read the way the signature saw it: all text nodes joined,
/// comments skipped (never truncating at a comment), edge whitespace trimmed. Elements with child elements
/// where the schema wants text are refused.
/// </summary>
internal sealed partial class Saml2AssertionReader
{
    private static readonly char[] XmlWhitespace = [' ', '\t', '\r', '\n'];

    private Saml2AssertionReader()
    {
    }

    /// <summary>The SAML version, from the document element's namespace.</summary>
    public Saml2AssertionVersion Version { get; private set; }

    public string? Id { get; private set; }

    public DateTimeOffset? IssueInstant { get; private set; }

    public string? Issuer { get; private set; }

    public bool HasSubject { get; private set; }

    public Saml2NameIdentifier? NameId { get; private set; }

    public List<Saml2SubjectConfirmation> SubjectConfirmations { get; } = [];

    public Saml2Conditions? Conditions { get; private set; }

    public List<Saml2AuthenticationStatement> AuthenticationStatements { get; } = [];

    public List<Saml2Attribute> Attributes { get; } = [];

    /// <summary>
    /// Reads the header (Version, ID, IssueInstant, Issuer): what is needed before the signature can be
    /// checked. Values are untrusted until it has been.
    /// </summary>
    public static Saml2AssertionFailureReason ReadHeader(XmlElement assertion, out Saml2AssertionReader reader)
    {
        if (assertion.NamespaceURI == Saml2Constants.Saml11AssertionNamespace)
        {
            return ReadSaml11Header(assertion, out reader);
        }

        reader = new Saml2AssertionReader
        {
            Version = Saml2AssertionVersion.Saml20,
            Id = assertion.GetAttributeNode("ID")?.Value,
        };

        if (assertion.GetAttributeNode("Version")?.Value != "2.0")
        {
            return Saml2AssertionFailureReason.UnsupportedVersion;
        }

        if (string.IsNullOrEmpty(reader.Id))
        {
            return Saml2AssertionFailureReason.IdMissing;
        }

        var issueInstant = assertion.GetAttributeNode("IssueInstant")?.Value;
        if (issueInstant is null)
        {
            return Saml2AssertionFailureReason.IssueInstantMissing;
        }

        if (!TryParseDateTime(issueInstant, out var instant))
        {
            return Saml2AssertionFailureReason.InvalidDateTime;
        }

        reader.IssueInstant = instant;

        XmlElement? issuer = null;
        foreach (var child in Saml2SignatureReader.ChildElements(assertion))
        {
            if (child.LocalName == "Issuer" && child.NamespaceURI == Saml2Constants.AssertionNamespace)
            {
                if (issuer is not null)
                {
                    return Saml2AssertionFailureReason.MalformedAssertion;
                }

                issuer = child;
            }
        }

        if (issuer is null)
        {
            return Saml2AssertionFailureReason.IssuerMissing;
        }

        var issuerText = ReadText(issuer);
        if (issuerText is null)
        {
            return Saml2AssertionFailureReason.MalformedAssertion;
        }

        if (issuerText.Length == 0)
        {
            return Saml2AssertionFailureReason.IssuerMissing;
        }

        reader.Issuer = issuerText;
        return Saml2AssertionFailureReason.None;
    }

    /// <summary>Reads the body of a verified assertion (the signature element already removed).</summary>
    public Saml2AssertionFailureReason ReadBody(XmlElement assertion)
    {
        if (Version == Saml2AssertionVersion.Saml11)
        {
            return ReadSaml11Body(assertion);
        }

        var seenIssuer = false;
        var seenConditions = false;
        var seenAdvice = false;
        foreach (var child in Saml2SignatureReader.ChildElements(assertion))
        {
            if (child.NamespaceURI != Saml2Constants.AssertionNamespace)
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }

            var reason = child.LocalName switch
            {
                "Issuer" when !seenIssuer && !HasSubject && !seenConditions => Mark(ref seenIssuer),
                "Subject" when seenIssuer && !HasSubject && !seenConditions => ReadSubject(child),
                "Conditions" when seenIssuer && !seenConditions => ReadConditions(child, ref seenConditions),
                "Advice" when seenIssuer && !seenAdvice => Mark(ref seenAdvice),
                "AuthnStatement" when seenIssuer => ReadAuthenticationStatement(child),
                "AttributeStatement" when seenIssuer => ReadAttributeStatement(child),
                "AuthzDecisionStatement" when seenIssuer => Saml2AssertionFailureReason.None,
                _ => Saml2AssertionFailureReason.MalformedAssertion,
            };

            if (reason != Saml2AssertionFailureReason.None)
            {
                return reason;
            }
        }

        return Saml2AssertionFailureReason.None;
    }

    private static Saml2AssertionFailureReason Mark(ref bool seen)
    {
        seen = true;
        return Saml2AssertionFailureReason.None;
    }

    private Saml2AssertionFailureReason ReadSubject(XmlElement subject)
    {
        HasSubject = true;
        foreach (var child in Saml2SignatureReader.ChildElements(subject))
        {
            if (child.NamespaceURI != Saml2Constants.AssertionNamespace)
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }

            switch (child.LocalName)
            {
                case "NameID" when NameId is null && SubjectConfirmations.Count == 0:
                    var value = ReadText(child);
                    if (value is null)
                    {
                        return Saml2AssertionFailureReason.MalformedAssertion;
                    }

                    NameId = new Saml2NameIdentifier(
                        value,
                        OptionalAttribute(child, "Format"),
                        OptionalAttribute(child, "NameQualifier"),
                        OptionalAttribute(child, "SPNameQualifier"),
                        OptionalAttribute(child, "SPProvidedID"));
                    break;
                case "BaseID" or "EncryptedID" when NameId is null && SubjectConfirmations.Count == 0:
                    // Not a NameID: the subject has no identifier this validator can use.
                    break;
                case "SubjectConfirmation":
                    var reason = ReadSubjectConfirmation(child);
                    if (reason != Saml2AssertionFailureReason.None)
                    {
                        return reason;
                    }

                    break;
                default:
                    return Saml2AssertionFailureReason.MalformedAssertion;
            }
        }

        return Saml2AssertionFailureReason.None;
    }

    private Saml2AssertionFailureReason ReadSubjectConfirmation(XmlElement confirmation)
    {
        var method = confirmation.GetAttributeNode("Method")?.Value;
        if (string.IsNullOrEmpty(method))
        {
            return Saml2AssertionFailureReason.MalformedAssertion;
        }

        XmlElement? data = null;
        foreach (var child in Saml2SignatureReader.ChildElements(confirmation))
        {
            if (child.NamespaceURI == Saml2Constants.AssertionNamespace && child.LocalName == "SubjectConfirmationData" && data is null)
            {
                data = child;
            }
            else if (child.NamespaceURI != Saml2Constants.AssertionNamespace || child.LocalName is not ("NameID" or "BaseID" or "EncryptedID"))
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }
        }

        DateTimeOffset? notBefore = null, notOnOrAfter = null;
        if (data is not null
            && (!TryParseOptionalDateTime(data, "NotBefore", out notBefore) || !TryParseOptionalDateTime(data, "NotOnOrAfter", out notOnOrAfter)))
        {
            return Saml2AssertionFailureReason.InvalidDateTime;
        }

        SubjectConfirmations.Add(new Saml2SubjectConfirmation(
            method,
            data is null ? null : OptionalAttribute(data, "Recipient"),
            notBefore,
            notOnOrAfter,
            data is null ? null : OptionalAttribute(data, "InResponseTo"),
            data is null ? null : OptionalAttribute(data, "Address")));
        return Saml2AssertionFailureReason.None;
    }

    private Saml2AssertionFailureReason ReadConditions(XmlElement conditions, ref bool seen)
    {
        seen = true;
        if (!TryParseOptionalDateTime(conditions, "NotBefore", out var notBefore)
            || !TryParseOptionalDateTime(conditions, "NotOnOrAfter", out var notOnOrAfter))
        {
            return Saml2AssertionFailureReason.InvalidDateTime;
        }

        var audienceRestrictions = new List<IReadOnlyList<string>>();
        var oneTimeUse = false;
        int? proxyCount = null;
        foreach (var child in Saml2SignatureReader.ChildElements(conditions))
        {
            if (child.NamespaceURI != Saml2Constants.AssertionNamespace)
            {
                return Saml2AssertionFailureReason.UnsupportedCondition;
            }

            switch (child.LocalName)
            {
                case "AudienceRestriction":
                    var audiences = ReadAudiences(child, Saml2Constants.AssertionNamespace);
                    if (audiences is null || audiences.Count == 0)
                    {
                        return Saml2AssertionFailureReason.MalformedAssertion;
                    }

                    audienceRestrictions.Add(audiences);
                    break;
                case "OneTimeUse" when !oneTimeUse:
                    oneTimeUse = true;
                    break;
                case "ProxyRestriction" when proxyCount is null:
                    var count = OptionalAttribute(child, "Count");
                    proxyCount = count is null ? int.MaxValue
                        : int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
                        : -1;
                    if (proxyCount < 0 || ReadAudiences(child, Saml2Constants.AssertionNamespace) is null)
                    {
                        return Saml2AssertionFailureReason.MalformedAssertion;
                    }

                    break;
                default:
                    // saml:Condition of any xsi:type, or anything else this validator does not know.
                    return Saml2AssertionFailureReason.UnsupportedCondition;
            }
        }

        Conditions = new Saml2Conditions(notBefore, notOnOrAfter, audienceRestrictions, oneTimeUse, proxyCount);
        return Saml2AssertionFailureReason.None;
    }

    private static List<string>? ReadAudiences(XmlElement restriction, string assertionNamespace)
    {
        var audiences = new List<string>();
        foreach (var audience in Saml2SignatureReader.ChildElements(restriction))
        {
            if (audience.NamespaceURI != assertionNamespace || audience.LocalName != "Audience" || ReadText(audience) is not { Length: > 0 } text)
            {
                return null;
            }

            audiences.Add(text);
        }

        return audiences;
    }

    private Saml2AssertionFailureReason ReadAuthenticationStatement(XmlElement statement)
    {
        var instant = statement.GetAttributeNode("AuthnInstant")?.Value;
        if (instant is null)
        {
            return Saml2AssertionFailureReason.MalformedAssertion;
        }

        if (!TryParseDateTime(instant, out var authnInstant) || !TryParseOptionalDateTime(statement, "SessionNotOnOrAfter", out var sessionNotOnOrAfter))
        {
            return Saml2AssertionFailureReason.InvalidDateTime;
        }

        string? classReference = null;
        foreach (var child in Saml2SignatureReader.ChildElements(statement))
        {
            if (child.NamespaceURI == Saml2Constants.AssertionNamespace && child.LocalName == "AuthnContext")
            {
                foreach (var context in Saml2SignatureReader.ChildElements(child))
                {
                    if (context.NamespaceURI == Saml2Constants.AssertionNamespace && context.LocalName == "AuthnContextClassRef")
                    {
                        classReference = ReadText(context);
                    }
                }
            }
        }

        AuthenticationStatements.Add(new Saml2AuthenticationStatement(
            authnInstant, classReference, OptionalAttribute(statement, "SessionIndex"), sessionNotOnOrAfter));
        return Saml2AssertionFailureReason.None;
    }

    private Saml2AssertionFailureReason ReadAttributeStatement(XmlElement statement)
    {
        foreach (var attribute in Saml2SignatureReader.ChildElements(statement))
        {
            if (attribute.NamespaceURI != Saml2Constants.AssertionNamespace)
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }

            if (attribute.LocalName == "EncryptedAttribute")
            {
                // Encrypted for another party: not readable here, and never trusted as plain text.
                continue;
            }

            var name = attribute.LocalName == "Attribute" ? OptionalAttribute(attribute, "Name") : null;
            if (string.IsNullOrEmpty(name))
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }

            var values = new List<string>();
            foreach (var value in Saml2SignatureReader.ChildElements(attribute))
            {
                if (value.NamespaceURI != Saml2Constants.AssertionNamespace || value.LocalName != "AttributeValue")
                {
                    return Saml2AssertionFailureReason.MalformedAssertion;
                }

                // Complex attribute values (child elements) are kept as their text content.
                values.Add(value.InnerText.Trim(XmlWhitespace));
            }

            Attributes.Add(new Saml2Attribute(name, OptionalAttribute(attribute, "NameFormat"), OptionalAttribute(attribute, "FriendlyName"), values));
        }

        return Saml2AssertionFailureReason.None;
    }

    /// <summary>
    /// The text content of a simple-typed element: every text node joined (comments and processing
    /// instructions skipped, as exclusive c14n without comments skips them), edge whitespace trimmed.
    /// Returns <see langword="null"/> when the element has child elements.
    /// </summary>
    internal static string? ReadText(XmlElement element)
    {
        string? single = null;
        System.Text.StringBuilder? builder = null;
        for (var node = element.FirstChild; node is not null; node = node.NextSibling)
        {
            switch (node.NodeType)
            {
                case XmlNodeType.Element:
                    return null;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    if (single is null)
                    {
                        single = node.Value;
                    }
                    else
                    {
                        builder ??= new System.Text.StringBuilder(single);
                        builder.Append(node.Value);
                    }

                    break;
            }
        }

        return (builder?.ToString() ?? single ?? string.Empty).Trim(XmlWhitespace);
    }

    private static string? OptionalAttribute(XmlElement element, string name) => element.GetAttributeNode(name)?.Value;

    private static bool TryParseOptionalDateTime(XmlElement element, string name, out DateTimeOffset? value)
    {
        value = null;
        var text = element.GetAttributeNode(name)?.Value;
        if (text is null)
        {
            return true;
        }

        if (!TryParseDateTime(text, out var parsed))
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>Parses an <c>xs:dateTime</c>; one without a time zone is taken as UTC (SAML core 1.3.3).</summary>
    internal static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        try
        {
            value = new DateTimeOffset(XmlConvert.ToDateTime(text, XmlDateTimeSerializationMode.Utc), TimeSpan.Zero);
            return true;
        }
        catch (FormatException)
        {
            value = default;
            return false;
        }
    }
}
