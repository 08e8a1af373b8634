using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Takes an element out of the document it sits in (a <c>samlp:Response</c>, a SOAP envelope) into a
/// document of its own, with the namespace declarations in scope at its place pushed down onto it, so
/// that its exclusive canonical form, and so its signature, is the one its signer computed.
/// </summary>
internal static class XmlElementDetacher
{
    private static readonly XmlWriterSettings SerializerSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = true,
        Indent = false,
        // Carriage returns and attribute whitespace survive the reader's normalization on the way back in.
        NewLineHandling = NewLineHandling.Entitize,
        ConformanceLevel = ConformanceLevel.Document,
    };

    /// <summary>A deep copy of <paramref name="element"/> as the document element of a new document.</summary>
    public static XmlDocument Detach(XmlElement element)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var copy = (XmlElement)document.ImportNode(element, deep: true);
        document.AppendChild(copy);
        CopyInScopeNamespaceDeclarations(element, copy);
        return document;
    }

    /// <summary>
    /// <see cref="Detach"/>, written as UTF-8 bytes that load back into the same tree: what the validator
    /// reads when the element had come alone.
    /// </summary>
    public static byte[] DetachToBytes(XmlElement element) => DetachToBytes(element, out _);

    /// <summary>
    /// <see cref="DetachToBytes(XmlElement)"/>, also giving the detached <paramref name="document"/> the
    /// bytes were written from: it loads back from them into the same tree, so a reader that would parse
    /// the bytes again can take it instead.
    /// </summary>
    public static byte[] DetachToBytes(XmlElement element, out XmlDocument document)
    {
        document = Detach(element);
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, SerializerSettings))
        {
            document.Save(writer);
        }

        return buffer.ToArray();
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
}
