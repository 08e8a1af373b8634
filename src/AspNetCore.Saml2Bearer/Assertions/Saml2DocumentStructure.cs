using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The structural rules that defeat signature wrapping: the assertion is the document element (or the
/// single assertion of an allowed Response wrapper), it is the only assertion, every ID is unique across
/// the <c>ID</c>/<c>Id</c>/<c>id</c> spellings, and the document holds exactly one <c>ds:Signature</c>,
/// a direct child of that assertion.
/// </summary>
internal static class Saml2DocumentStructure
{
    public static Saml2AssertionFailureReason Locate(
        XmlDocument document,
        bool allowResponseWrapper,
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

        if (!isResponse && (root.LocalName != "Assertion" || root.NamespaceURI != Saml2Constants.AssertionNamespace))
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
            if (assertion.ParentNode != root)
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
        return signature.ParentNode == assertion
            ? Saml2AssertionFailureReason.None
            : Saml2AssertionFailureReason.SignatureNotChildOfAssertion;
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
    /// What one pre-order walk of an element subtree finds: whether every <c>ID</c>/<c>Id</c>/<c>id</c>
    /// value is unique across the three spellings, and the count and first (in document order) of
    /// <c>saml:Assertion</c> and <c>ds:Signature</c> elements.
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
                            && attribute.LocalName is "ID" or "Id" or "id"
                            && !ids.Add(attribute.Value))
                        {
                            idsAreUnique = false;
                            break;
                        }
                    }
                }

                if (element.LocalName == "Assertion" && element.NamespaceURI == Saml2Constants.AssertionNamespace)
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
