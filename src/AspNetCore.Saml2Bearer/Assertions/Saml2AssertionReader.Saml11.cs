using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The SAML 1.1 half of the reader (OASIS sstc-saml-core-1.1 and oasis-sstc-saml-schema-assertion-1.1):
/// the same values as SAML 2.0, read from <c>saml1:Assertion</c>. Every statement carries its own
/// <c>Subject</c>; each is kept in <see cref="StatementSubjects"/> so the rules can require them to agree.
/// </summary>
internal sealed partial class Saml2AssertionReader
{
    /// <summary>The subject of each SAML 1.1 statement, in document order (empty for SAML 2.0).</summary>
    public List<StatementSubject> StatementSubjects { get; } = [];

    private static Saml2AssertionFailureReason ReadSaml11Header(XmlElement assertion, out Saml2AssertionReader reader)
    {
        reader = new Saml2AssertionReader
        {
            Version = Saml2AssertionVersion.Saml11,
            Id = assertion.GetAttributeNode("AssertionID")?.Value,
        };

        // SAML 1.1 core 2.3.2: MajorVersion 1 and MinorVersion 1; SAML 1.0 (MinorVersion 0) is not accepted.
        if (assertion.GetAttributeNode("MajorVersion")?.Value != "1" || assertion.GetAttributeNode("MinorVersion")?.Value != "1")
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

        // The issuer is an attribute in SAML 1.1.
        var issuer = assertion.GetAttributeNode("Issuer")?.Value;
        if (string.IsNullOrEmpty(issuer))
        {
            return Saml2AssertionFailureReason.IssuerMissing;
        }

        reader.Issuer = issuer;
        return Saml2AssertionFailureReason.None;
    }

    /// <summary>
    /// Reads <c>Conditions?, Advice?, (AuthenticationStatement | AttributeStatement |
    /// AuthorizationDecisionStatement)+</c>, in that order (the signature already removed).
    /// </summary>
    private Saml2AssertionFailureReason ReadSaml11Body(XmlElement assertion)
    {
        var seenConditions = false;
        var seenAdvice = false;
        foreach (var child in Saml2SignatureReader.ChildElements(assertion))
        {
            if (child.NamespaceURI != Saml2Constants.Saml11AssertionNamespace)
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }

            var statements = StatementSubjects.Count;
            var reason = child.LocalName switch
            {
                "Conditions" when !seenConditions && !seenAdvice && statements == 0 => ReadSaml11Conditions(child, ref seenConditions),
                "Advice" when !seenAdvice && statements == 0 => Mark(ref seenAdvice),
                "AuthenticationStatement" => ReadSaml11AuthenticationStatement(child),
                "AttributeStatement" => ReadSaml11AttributeStatement(child),
                "AuthorizationDecisionStatement" => ReadSaml11Subject(child, out _),

                // Statement and SubjectStatement are abstract: an xsi:type extension this validator does not know.
                _ => Saml2AssertionFailureReason.MalformedAssertion,
            };

            if (reason != Saml2AssertionFailureReason.None)
            {
                return reason;
            }
        }

        HasSubject = StatementSubjects.Count > 0;
        NameId = HasSubject ? StatementSubjects[0].NameId : null;
        return Saml2AssertionFailureReason.None;
    }

    private Saml2AssertionFailureReason ReadSaml11Conditions(XmlElement conditions, ref bool seen)
    {
        seen = true;
        if (!TryParseOptionalDateTime(conditions, "NotBefore", out var notBefore)
            || !TryParseOptionalDateTime(conditions, "NotOnOrAfter", out var notOnOrAfter))
        {
            return Saml2AssertionFailureReason.InvalidDateTime;
        }

        var audienceRestrictions = new List<IReadOnlyList<string>>();
        var doNotCache = false;
        foreach (var child in Saml2SignatureReader.ChildElements(conditions))
        {
            if (child.NamespaceURI != Saml2Constants.Saml11AssertionNamespace)
            {
                return Saml2AssertionFailureReason.UnsupportedCondition;
            }

            switch (child.LocalName)
            {
                case "AudienceRestrictionCondition":
                    var audiences = ReadAudiences(child, Saml2Constants.Saml11AssertionNamespace);
                    if (audiences is null || audiences.Count == 0)
                    {
                        return Saml2AssertionFailureReason.MalformedAssertion;
                    }

                    audienceRestrictions.Add(audiences);
                    break;
                case "DoNotCacheCondition" when !Saml2SignatureReader.ChildElements(child).Any():
                    // SAML 1.1 core 2.3.2.1.2; SAML 2.0's OneTimeUse is its successor: never kept on the fast path.
                    doNotCache = true;
                    break;
                default:
                    // saml1:Condition of any xsi:type, or anything else this validator does not know.
                    return Saml2AssertionFailureReason.UnsupportedCondition;
            }
        }

        Conditions = new Saml2Conditions(notBefore, notOnOrAfter, audienceRestrictions, doNotCache, ProxyRestrictionCount: null);
        return Saml2AssertionFailureReason.None;
    }

    private Saml2AssertionFailureReason ReadSaml11AuthenticationStatement(XmlElement statement)
    {
        var reason = ReadSaml11Subject(statement, out var rest);
        if (reason != Saml2AssertionFailureReason.None)
        {
            return reason;
        }

        var method = statement.GetAttributeNode("AuthenticationMethod")?.Value;
        var instant = statement.GetAttributeNode("AuthenticationInstant")?.Value;
        if (string.IsNullOrEmpty(method) || instant is null)
        {
            return Saml2AssertionFailureReason.MalformedAssertion;
        }

        if (!TryParseDateTime(instant, out var authenticationInstant))
        {
            return Saml2AssertionFailureReason.InvalidDateTime;
        }

        foreach (var child in rest)
        {
            if (child.NamespaceURI != Saml2Constants.Saml11AssertionNamespace || child.LocalName is not ("SubjectLocality" or "AuthorityBinding"))
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }
        }

        // The authentication method URI is SAML 1.1's counterpart of AuthnContextClassRef.
        AuthenticationStatements.Add(new Saml2AuthenticationStatement(authenticationInstant, method, SessionIndex: null, SessionNotOnOrAfter: null));
        return Saml2AssertionFailureReason.None;
    }

    private Saml2AssertionFailureReason ReadSaml11AttributeStatement(XmlElement statement)
    {
        var reason = ReadSaml11Subject(statement, out var rest);
        if (reason != Saml2AssertionFailureReason.None)
        {
            return reason;
        }

        if (rest.Count == 0)
        {
            return Saml2AssertionFailureReason.MalformedAssertion;
        }

        foreach (var attribute in rest)
        {
            var name = OptionalAttribute(attribute, "AttributeName");
            var attributeNamespace = OptionalAttribute(attribute, "AttributeNamespace");
            if (attribute.NamespaceURI != Saml2Constants.Saml11AssertionNamespace
                || attribute.LocalName != "Attribute"
                || string.IsNullOrEmpty(name)
                || string.IsNullOrEmpty(attributeNamespace))
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }

            var values = new List<string>();
            foreach (var value in Saml2SignatureReader.ChildElements(attribute))
            {
                if (value.NamespaceURI != Saml2Constants.Saml11AssertionNamespace || value.LocalName != "AttributeValue")
                {
                    return Saml2AssertionFailureReason.MalformedAssertion;
                }

                // Complex attribute values (child elements) are kept as their text content.
                values.Add(value.InnerText.Trim(XmlWhitespace));
            }

            if (values.Count == 0)
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }

            Attributes.Add(new Saml2Attribute(name, NameFormat: null, FriendlyName: null, values) { AttributeNamespace = attributeNamespace });
        }

        return Saml2AssertionFailureReason.None;
    }

    /// <summary>
    /// Reads the <c>Subject</c> that must be the first child of a subject statement:
    /// <c>(NameIdentifier, SubjectConfirmation?) | SubjectConfirmation</c>. <paramref name="rest"/> is the
    /// statement's other children.
    /// </summary>
    private Saml2AssertionFailureReason ReadSaml11Subject(XmlElement statement, out List<XmlElement> rest)
    {
        rest = Saml2SignatureReader.ChildElements(statement).ToList();
        if (rest.Count == 0 || rest[0].LocalName != "Subject" || rest[0].NamespaceURI != Saml2Constants.Saml11AssertionNamespace)
        {
            // A SAML 2.0 Subject inside a SAML 1.1 statement lands here too.
            return rest.Exists(e => e.LocalName == "Subject") ? Saml2AssertionFailureReason.MalformedAssertion : Saml2AssertionFailureReason.SubjectMissing;
        }

        var subject = rest[0];
        rest.RemoveAt(0);
        Saml2NameIdentifier? nameId = null;
        var confirmationMethods = new List<string>();
        var seenConfirmation = false;
        foreach (var child in Saml2SignatureReader.ChildElements(subject))
        {
            if (child.NamespaceURI != Saml2Constants.Saml11AssertionNamespace)
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }

            switch (child.LocalName)
            {
                case "NameIdentifier" when nameId is null && !seenConfirmation:
                    var value = ReadText(child);
                    if (value is null)
                    {
                        return Saml2AssertionFailureReason.MalformedAssertion;
                    }

                    nameId = new Saml2NameIdentifier(value, OptionalAttribute(child, "Format"), OptionalAttribute(child, "NameQualifier"), SPNameQualifier: null, SPProvidedId: null);
                    break;
                case "SubjectConfirmation" when !seenConfirmation:
                    seenConfirmation = true;
                    var reason = ReadSaml11SubjectConfirmation(child, confirmationMethods);
                    if (reason != Saml2AssertionFailureReason.None)
                    {
                        return reason;
                    }

                    break;
                default:
                    return Saml2AssertionFailureReason.MalformedAssertion;
            }
        }

        if (nameId is null && !seenConfirmation)
        {
            return Saml2AssertionFailureReason.MalformedAssertion;
        }

        StatementSubjects.Add(new StatementSubject(nameId, confirmationMethods));
        return Saml2AssertionFailureReason.None;
    }

    /// <summary>Reads <c>ConfirmationMethod+, SubjectConfirmationData?, ds:KeyInfo?</c>.</summary>
    private Saml2AssertionFailureReason ReadSaml11SubjectConfirmation(XmlElement confirmation, List<string> methods)
    {
        var seenData = false;
        var seenKeyInfo = false;
        foreach (var child in Saml2SignatureReader.ChildElements(confirmation))
        {
            if (child.NamespaceURI == Saml2Constants.Saml11AssertionNamespace && child.LocalName == "ConfirmationMethod" && !seenData && !seenKeyInfo)
            {
                if (ReadText(child) is not { Length: > 0 } method)
                {
                    return Saml2AssertionFailureReason.MalformedAssertion;
                }

                methods.Add(method);
                SubjectConfirmations.Add(new Saml2SubjectConfirmation(method, Recipient: null, NotBefore: null, NotOnOrAfter: null, InResponseTo: null, Address: null));
            }
            else if (child.NamespaceURI == Saml2Constants.Saml11AssertionNamespace && child.LocalName == "SubjectConfirmationData" && !seenData && !seenKeyInfo)
            {
                seenData = true;
            }
            else if (child.NamespaceURI == Saml2Constants.XmlDsigNamespace && child.LocalName == "KeyInfo" && !seenKeyInfo)
            {
                seenKeyInfo = true;
            }
            else
            {
                return Saml2AssertionFailureReason.MalformedAssertion;
            }
        }

        return methods.Count == 0 ? Saml2AssertionFailureReason.MalformedAssertion : Saml2AssertionFailureReason.None;
    }

    /// <summary>The subject of one SAML 1.1 statement.</summary>
    /// <param name="NameId">Its <c>NameIdentifier</c>, or <see langword="null"/> when it has none.</param>
    /// <param name="ConfirmationMethods">The <c>ConfirmationMethod</c> URIs of its <c>SubjectConfirmation</c>; empty when it has none.</param>
    internal sealed record StatementSubject(Saml2NameIdentifier? NameId, IReadOnlyList<string> ConfirmationMethods);
}
