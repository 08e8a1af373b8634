using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The structural rules that defeat signature wrapping: the assertion is the document element (or the
/// single assertion of an allowed Response wrapper), it is the only assertion (SAML 2.0 and SAML 1.1
/// assertions both count), every ID is unique across the <c>AssertionID</c>/<c>ID</c>/<c>Id</c>/<c>id</c>
/// spellings, and the document holds exactly one <c>ds:Signature</c>, a direct child of that assertion at
/// the place its schema gives it: right after <c>Issuer</c> in SAML 2.0, the last child in SAML 1.1.
/// </summary>
internal static class Saml2DocumentStructure
{
    public static Saml2AssertionFailureReason Locate(
        XmlDocument document,
        bool allowResponseWrapper,
        bool allowSaml11,
        out XmlDocument assertionDocument,
        out XmlElement? signature)
    {
        assertionDocument = document;
        signature = null;
        var root = document.DocumentElement;
        if (root is null)
        {
            return Saml2AssertionFailureReason.MalformedXml;
        }

        var isResponse = root.LocalName == "Response" && root.NamespaceURI == Saml2Constants.ProtocolNamespace;
        if (isResponse && !allowResponseWrapper)
        {
            return Saml2AssertionFailureReason.ResponseWrapperNotAllowed;
        }

        var isSaml11 = root.LocalName == "Assertion" && root.NamespaceURI == Saml2Constants.Saml11AssertionNamespace;
        if (isSaml11 && !allowSaml11)
        {
            return Saml2AssertionFailureReason.Saml11NotAllowed;
        }

        if (!isResponse && !isSaml11 && (root.LocalName != "Assertion" || root.NamespaceURI != Saml2Constants.AssertionNamespace))
        {
            return Saml2AssertionFailureReason.DocumentElementNotAssertion;
        }

        // One walk of the whole document for the ID, assertion and signature rules.
        var elements = ElementCensus.Take(root);
        if (!elements.IdsAreUnique)
        {
            return Saml2AssertionFailureReason.DuplicateId;
        }

        if (elements.AssertionCount != 1)
        {
            return Saml2AssertionFailureReason.MultipleAssertions;
        }

        var assertion = elements.FirstAssertion!;
        if (isResponse)
        {
            if (assertion.ParentNode != root || assertion.NamespaceURI != Saml2Constants.AssertionNamespace)
            {
                return Saml2AssertionFailureReason.DocumentElementNotAssertion;
            }

            // Only the signatures inside the assertion count from here on: walk its own document.
            assertionDocument = XmlElementDetacher.Detach(assertion);
            assertion = assertionDocument.DocumentElement!;
            elements = ElementCensus.Take(assertion);
        }

        // Comments and PIs beside the document element hold no element, so the census stands.
        RemoveTopLevelNodesOutsideTheAssertion(assertionDocument);
        if (elements.SignatureCount == 0)
        {
            return Saml2AssertionFailureReason.SignatureMissing;
        }

        if (elements.SignatureCount > 1)
        {
            return Saml2AssertionFailureReason.MultipleSignatures;
        }

        signature = elements.FirstSignature!;
        if (signature.ParentNode != assertion)
        {
            return Saml2AssertionFailureReason.SignatureNotChildOfAssertion;
        }

        return IsAtSchemaPosition(signature, isSaml11)
            ? Saml2AssertionFailureReason.None
            : Saml2AssertionFailureReason.SignatureMisplaced;
    }

    /// <summary>
    /// Whether the signature is where the assertion's schema puts it. SAML 2.0 (saml-schema-assertion-2.0):
    /// <c>Issuer, ds:Signature?, Subject?, ...</c>, so right after <c>Issuer</c>. SAML 1.1
    /// (oasis-sstc-saml-schema-assertion-1.1): <c>Conditions?, Advice?, statements+, ds:Signature?</c>, so the
    /// last child element.
    /// </summary>
    private static bool IsAtSchemaPosition(XmlElement signature, bool isSaml11)
    {
        if (isSaml11)
        {
            return NextElementSibling(signature) is null;
        }

        var previous = PreviousElementSibling(signature);
        if (previous is null)
        {
            // First with no Issuer at all: the missing Issuer is the fault, and the header reports it.
            return !Saml2SignatureReader.ChildElements((XmlElement)signature.ParentNode!).Any(IsIssuer);
        }

        return IsIssuer(previous) && PreviousElementSibling(previous) is null;
    }

    private static bool IsIssuer(XmlElement element) =>
        element.LocalName == "Issuer" && element.NamespaceURI == Saml2Constants.AssertionNamespace;

    private static XmlElement? PreviousElementSibling(XmlNode node)
    {
        for (var sibling = node.PreviousSibling; sibling is not null; sibling = sibling.PreviousSibling)
        {
            if (sibling is XmlElement element)
            {
                return element;
            }
        }

        return null;
    }

    private static XmlElement? NextElementSibling(XmlNode node)
    {
        for (var sibling = node.NextSibling; sibling is not null; sibling = sibling.NextSibling)
        {
            if (sibling is XmlElement element)
            {
                return element;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the document element of <paramref name="xml"/> is a SAML 1.1 assertion, read without building
    /// the document (for bytes forwarded unvalidated, which still need their grant type and the
    /// <see cref="Saml2AssertionValidationParameters.AllowSaml11"/> rule). Malformed input is not SAML 1.1.
    /// </summary>
    public static bool IsSaml11Document(byte[] xml)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), SecureXmlLoader.CreateReaderSettings(xml.Length));
            return reader.MoveToContent() == XmlNodeType.Element
                && reader.LocalName == "Assertion"
                && reader.NamespaceURI == Saml2Constants.Saml11AssertionNamespace;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    /// <summary>A bare-name reference covers the element's subtree only, not comments or PIs beside it.</summary>
    private static void RemoveTopLevelNodesOutsideTheAssertion(XmlDocument document)
    {
        for (var node = document.FirstChild; node is not null;)
        {
            var next = node.NextSibling;
            if (node.NodeType is XmlNodeType.ProcessingInstruction or XmlNodeType.Comment)
            {
                document.RemoveChild(node);
            }

            node = next;
        }
    }

    /// <summary>
    /// What one pre-order walk of an element subtree finds: whether every <c>AssertionID</c>/<c>ID</c>/<c>Id</c>/<c>id</c>
    /// value is unique across the four spellings, and the count and first (in document order) of
    /// assertion elements (SAML 2.0 or SAML 1.1) and <c>ds:Signature</c> elements.
    /// </summary>
    private readonly record struct ElementCensus(
        bool IdsAreUnique,
        int AssertionCount,
        XmlElement? FirstAssertion,
        int SignatureCount,
        XmlElement? FirstSignature)
    {
        public static ElementCensus Take(XmlElement root)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var idsAreUnique = true;
            int assertions = 0, signatures = 0;
            XmlElement? firstAssertion = null, firstSignature = null;
            for (XmlNode? node = root; node is not null; node = NextInDocumentOrder(node, root))
            {
                if (node is not XmlElement element)
                {
                    continue;
                }

                if (idsAreUnique)
                {
                    var attributes = element.Attributes;
                    for (var i = 0; i < attributes.Count; i++)
                    {
                        var attribute = attributes[i];
                        if (attribute.NamespaceURI.Length == 0
                            && attribute.LocalName is "ID" or "Id" or "id" or "AssertionID"
                            && !ids.Add(attribute.Value))
                        {
                            idsAreUnique = false;
                            break;
                        }
                    }
                }

                if (element.LocalName == "Assertion"
                    && element.NamespaceURI is Saml2Constants.AssertionNamespace or Saml2Constants.Saml11AssertionNamespace)
                {
                    firstAssertion ??= element;
                    assertions++;
                }
                else if (element.LocalName == "Signature" && element.NamespaceURI == Saml2Constants.XmlDsigNamespace)
                {
                    firstSignature ??= element;
                    signatures++;
                }
            }

            return new ElementCensus(idsAreUnique, assertions, firstAssertion, signatures, firstSignature);
        }

        /// <summary>The node after <paramref name="node"/> in a pre-order walk of <paramref name="root"/>'s subtree, without recursion.</summary>
        private static XmlNode? NextInDocumentOrder(XmlNode node, XmlNode root)
        {
            if (node.FirstChild is { } child)
            {
                return child;
            }

            for (; node != root; node = node.ParentNode!)
            {
                if (node.NextSibling is { } sibling)
                {
                    return sibling;
                }
            }

            return null;
        }
    }
}
