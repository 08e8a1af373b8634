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

        if (!IdsAreUnique(document))
        {
            return Saml2AssertionFailureReason.DuplicateId;
        }

        var assertions = document.GetElementsByTagName("Assertion", Saml2Constants.AssertionNamespace);
        if (assertions.Count != 1)
        {
            return Saml2AssertionFailureReason.MultipleAssertions;
        }

        var assertion = (XmlElement)assertions[0]!;
        if (isResponse)
        {
            if (assertion.ParentNode != root)
            {
                return Saml2AssertionFailureReason.DocumentElementNotAssertion;
            }

            assertionDocument = Detach(assertion);
            assertion = assertionDocument.DocumentElement!;
        }

        RemoveTopLevelNodesOutsideTheAssertion(assertionDocument);
        var signatures = assertionDocument.GetElementsByTagName("Signature", Saml2Constants.XmlDsigNamespace);
        if (signatures.Count == 0)
        {
            return Saml2AssertionFailureReason.SignatureMissing;
        }

        if (signatures.Count > 1)
        {
            return Saml2AssertionFailureReason.MultipleSignatures;
        }

        signature = (XmlElement)signatures[0]!;
        return signature.ParentNode == assertion
            ? Saml2AssertionFailureReason.None
            : Saml2AssertionFailureReason.SignatureNotChildOfAssertion;
    }

    private static bool IdsAreUnique(XmlDocument document)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (XmlNode node in document.GetElementsByTagName("*"))
        {
            foreach (XmlAttribute attribute in node.Attributes!)
            {
                if (attribute.NamespaceURI.Length == 0
                    && attribute.LocalName is "ID" or "Id" or "id"
                    && !ids.Add(attribute.Value))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Copies the assertion of a Response into a document of its own, with the namespace declarations
    /// in scope at its place, so that its canonical form is the one its signer computed.
    /// </summary>
    private static XmlDocument Detach(XmlElement assertion)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var copy = (XmlElement)document.ImportNode(assertion, deep: true);
        document.AppendChild(copy);
        CopyInScopeNamespaceDeclarations(assertion, copy);
        return document;
    }

    /// <summary>
    /// Declares on <paramref name="copy"/> every namespace that is in scope at <paramref name="original"/>
    /// through its ancestors and that the copy does not declare itself (the nearest declaration wins).
    /// </summary>
    public static void CopyInScopeNamespaceDeclarations(XmlElement original, XmlElement copy)
    {
        for (var ancestor = original.ParentNode as XmlElement; ancestor is not null; ancestor = ancestor.ParentNode as XmlElement)
        {
            foreach (XmlAttribute attribute in ancestor.Attributes)
            {
                if (attribute.NamespaceURI == Saml2Constants.XmlnsNamespace && !copy.HasAttribute(attribute.Name))
                {
                    var declaration = copy.OwnerDocument.CreateAttribute(attribute.Name, Saml2Constants.XmlnsNamespace);
                    declaration.Value = attribute.Value;
                    copy.Attributes.Append(declaration);
                }
            }
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
}
