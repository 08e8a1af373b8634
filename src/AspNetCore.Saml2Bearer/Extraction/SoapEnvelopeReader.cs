using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// Reads a SOAP 1.1/1.2 envelope the way the OASIS WS-Security SAML Token Profile carries an assertion:
/// exactly one <c>wsse:Security</c> header addressed to this node, holding exactly one <c>saml:Assertion</c>
/// (or <c>saml1:Assertion</c>) as a direct child, which is detached with its in-scope namespaces so the
/// validator sees it as if it had come alone. Nothing in the Body, in other headers or in a Security
/// header for another actor is ever taken as a credential. No HTTP here: bytes in, result out.
/// </summary>
internal static class SoapEnvelopeReader
{
    /// <summary>How many levels the envelope adds above the assertion: Envelope, Header, Security.</summary>
    public const int EnvelopeDepth = 3;

    private static readonly XmlWriterSettings EnvelopeWriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = false,
        Indent = false,
        NewLineHandling = NewLineHandling.Entitize,
        ConformanceLevel = ConformanceLevel.Document,
    };

    /// <summary>Reads <paramref name="envelope"/>, which the caller has already held to its size cap.</summary>
    /// <param name="envelope">The request body.</param>
    /// <param name="version">The SOAP version the Content-Type announced.</param>
    /// <param name="maximumCharacters">The most characters the parser reads.</param>
    /// <param name="maximumDepth">The first element depth refused (the Envelope has depth 0).</param>
    public static SoapEnvelopeReadResult Read(ReadOnlyMemory<byte> envelope, SoapVersion version, long maximumCharacters, int maximumDepth)
    {
        var document = Load(envelope, maximumCharacters, maximumDepth, out var loadFailure);
        if (document is null)
        {
            return SoapEnvelopeReadResult.Reject(loadFailure);
        }

        var root = document.DocumentElement!;
        if (root.LocalName != "Envelope" || root.NamespaceURI is not (SoapConstants.Soap11Namespace or SoapConstants.Soap12Namespace))
        {
            return new(SoapEnvelopeOutcome.NotAnEnvelope, Saml2AssertionFailureReason.None, null, null, null);
        }

        var envelopeNamespace = SoapConstants.EnvelopeNamespace(version);
        if (root.NamespaceURI != envelopeNamespace)
        {
            return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapVersionMismatch);
        }

        if (!TryReadStructure(root, version, out var header, out var body))
        {
            return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapEnvelopeMalformed);
        }

        // The Body is never a credential, and an assertion in it is refused outright (signature wrapping
        // across the envelope moves the signed original there).
        if (FindAssertion(body, skip: null) is not null)
        {
            return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapAssertionInBody);
        }

        XmlElement? security = null;
        for (var child = header?.FirstChild; child is not null; child = child.NextSibling)
        {
            if (child is not XmlElement element || element.LocalName != "Security" || element.NamespaceURI != SoapConstants.WsseNamespace
                || !IsForThisNode(element, version))
            {
                continue;
            }

            if (!HasValidMustUnderstand(element, version))
            {
                return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapInvalidMustUnderstand);
            }

            if (security is not null)
            {
                return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapMultipleSecurityHeaders);
            }

            security = element;
        }

        if (security is null)
        {
            return new(SoapEnvelopeOutcome.NoAssertion, Saml2AssertionFailureReason.None, null, document, null);
        }

        XmlElement? assertion = null;
        for (var child = security.FirstChild; child is not null; child = child.NextSibling)
        {
            if (child is not XmlElement element || !IsAssertion(element))
            {
                continue;
            }

            if (element.LocalName == "EncryptedAssertion")
            {
                return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapEncryptedAssertion);
            }

            if (assertion is not null)
            {
                return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapMultipleAssertions);
            }

            assertion = element;
        }

        // What lies inside the assertion is the validator's (it refuses a second assertion there); anything
        // else in the Security header that looks like an assertion is wrapped or smuggled.
        if (FindAssertion(security, skip: assertion) is { } nested && nested != assertion)
        {
            return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapAssertionNotDirectChild);
        }

        if (assertion is null)
        {
            return new(SoapEnvelopeOutcome.NoAssertion, Saml2AssertionFailureReason.None, null, document, security);
        }

        // The envelope was loaded with the validator's discipline and its depth cap counted from the
        // assertion (always at EnvelopeDepth), so the detached document is what the validator's own load
        // of the bytes would build: it is handed over as well and the bytes are not parsed again.
        var assertionXml = XmlElementDetacher.DetachToBytes(assertion, out var assertionDocument);
        return new(SoapEnvelopeOutcome.Assertion, Saml2AssertionFailureReason.None, assertionXml, document, security)
        {
            AssertionDocument = assertionDocument,
        };
    }

    /// <summary>
    /// The envelope without <paramref name="securityHeader"/> (and without the Header element when that
    /// leaves it empty), as UTF-8 bytes: what a backend behind the gateway receives.
    /// </summary>
    public static byte[] WithoutSecurityHeader(XmlDocument envelope, XmlElement securityHeader)
    {
        var copy = (XmlDocument)envelope.CloneNode(deep: true);
        var header = (XmlElement)copy.DocumentElement!.ChildNodes[IndexOf(securityHeader.ParentNode!)]!;
        header.RemoveChild(header.ChildNodes[IndexOf(securityHeader)]!);
        if (!header.ChildNodes.OfType<XmlElement>().Any())
        {
            header.ParentNode!.RemoveChild(header);
        }

        if (copy.FirstChild is XmlDeclaration declaration)
        {
            copy.RemoveChild(declaration);
        }

        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, EnvelopeWriterSettings))
        {
            copy.Save(writer);
        }

        return buffer.ToArray();
    }

    private static int IndexOf(XmlNode node)
    {
        var index = 0;
        for (var sibling = node.ParentNode!.FirstChild; sibling != node; sibling = sibling!.NextSibling)
        {
            index++;
        }

        return index;
    }

    private static XmlDocument? Load(ReadOnlyMemory<byte> envelope, long maximumCharacters, int maximumDepth, out Saml2AssertionFailureReason failureReason)
    {
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(envelope, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(envelope.ToArray(), writable: false);

        // Not well-formed, a DOCTYPE (prohibited), or more characters than allowed: malformed.
        return SecureXmlLoader.Load(
            stream,
            maximumCharacters,
            maximumDepth,
            Saml2AssertionFailureReason.SoapEnvelopeMalformed,
            Saml2AssertionFailureReason.SoapEnvelopeTooDeep,
            out failureReason);
    }

    /// <summary>SOAP 1.1 section 4 / SOAP 1.2 part 1 section 5: an optional Header first, then exactly one Body.</summary>
    private static bool TryReadStructure(XmlElement envelope, SoapVersion version, out XmlElement? header, out XmlElement body)
    {
        header = null;
        body = null!;
        var namespaceUri = envelope.NamespaceURI;
        for (var child = envelope.FirstChild; child is not null; child = child.NextSibling)
        {
            if (child is not XmlElement element)
            {
                if (child.NodeType is XmlNodeType.Text or XmlNodeType.CDATA && !string.IsNullOrWhiteSpace(child.Value))
                {
                    return false;
                }

                continue;
            }

            var isSoap = element.NamespaceURI == namespaceUri;
            if (isSoap && element.LocalName == "Header" && header is null && body is null)
            {
                header = element;
            }
            else if (isSoap && element.LocalName == "Body" && body is null)
            {
                body = element;
            }
            else if (version == SoapVersion.Soap12 || body is null || isSoap)
            {
                // SOAP 1.1 allows foreign elements after the Body only; SOAP 1.2 none at all.
                return false;
            }
        }

        return body is not null;
    }

    /// <summary>SOAP 1.1 <c>actor</c> absent or "next"; SOAP 1.2 <c>role</c> absent, "ultimateReceiver" or "next".</summary>
    private static bool IsForThisNode(XmlElement header, SoapVersion version)
    {
        if (version == SoapVersion.Soap11)
        {
            var actor = header.GetAttributeNode("actor", SoapConstants.Soap11Namespace);
            return actor is null || actor.Value.Trim() == SoapConstants.Soap11NextActor;
        }

        var role = header.GetAttributeNode("role", SoapConstants.Soap12Namespace);
        return role is null || role.Value.Trim() is SoapConstants.Soap12UltimateReceiverRole or SoapConstants.Soap12NextRole;
    }

    /// <summary>SOAP 1.1: "0" or "1"; SOAP 1.2: an xs:boolean. Absent is false. This node understands wsse:Security either way.</summary>
    private static bool HasValidMustUnderstand(XmlElement header, SoapVersion version)
    {
        var attribute = header.GetAttributeNode("mustUnderstand", SoapConstants.EnvelopeNamespace(version));
        if (attribute is null)
        {
            return true;
        }

        var value = attribute.Value.Trim();
        return version == SoapVersion.Soap11
            ? value is "0" or "1"
            : value is "0" or "1" or "true" or "false";
    }

    private static bool IsAssertion(XmlElement element) =>
        (element.LocalName == "Assertion" && element.NamespaceURI is Saml2Constants.AssertionNamespace or SoapConstants.Saml1AssertionNamespace)
        || (element.LocalName == "EncryptedAssertion" && element.NamespaceURI == Saml2Constants.AssertionNamespace);

    /// <summary>
    /// The first assertion-like element in <paramref name="root"/>'s subtree (excluding the root), not
    /// looking inside <paramref name="skip"/>, without recursion.
    /// </summary>
    private static XmlElement? FindAssertion(XmlElement root, XmlElement? skip)
    {
        XmlNode? node = root.FirstChild;
        while (node is not null)
        {
            if (node is XmlElement element && element != skip)
            {
                if (IsAssertion(element))
                {
                    return element;
                }

                if (element.FirstChild is { } child)
                {
                    node = child;
                    continue;
                }
            }

            while (node is not null && node.NextSibling is null)
            {
                node = node.ParentNode;
                if (node == root)
                {
                    return null;
                }
            }

            node = node?.NextSibling;
        }

        return null;
    }
}
