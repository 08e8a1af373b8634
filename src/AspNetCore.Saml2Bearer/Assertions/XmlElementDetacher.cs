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
    /// <see cref="Detach"/> for an element still being read: the element <paramref name="reader"/> is on,
    /// with its subtree, becomes the document element of <paramref name="document"/> (new and empty), and
    /// the declarations of its ancestors' prefixes, <paramref name="ancestorPrefixes"/>, that its text may
    /// use are pushed down onto it (see <see cref="NamespacePrefixUse.MayUse"/>), each with the namespace the
    /// reader has in scope for it at the element (the nearest declaration). Nothing around the element is
    /// built. The reader is left on the node after the element.
    /// </summary>
    /// <remarks>
    /// A declaration is left behind only when no name, no attribute value, no text and no InclusiveNamespaces
    /// PrefixList in the element's text can refer to its prefix. Exclusive c14n renders a declaration only
    /// where a name uses it or a PrefixList lists it, so what is left behind changes neither the canonical
    /// form nor the signature, and the bytes still load back into the same tree (every name they use is
    /// declared). When the element's text cannot be taken from the input, every declaration is pushed down.
    /// </remarks>
    /// <param name="reader">A reader on an element, reading <paramref name="utf8Input"/> when that is not empty.</param>
    /// <param name="document">The document to read into; its reader settings must be those of <paramref name="reader"/>.</param>
    /// <param name="ancestorPrefixes">The prefixes the element's ancestors declare, the default namespace as the empty string.</param>
    /// <param name="utf8Input">
    /// The UTF-8 text <paramref name="reader"/> reads, or empty when it is not UTF-8: then the bytes are
    /// written from the document instead of taken from the input.
    /// </param>
    /// <param name="xml">
    /// The element as a document of its own that loads back into the same tree: its very text from the
    /// input with the pushed-down declarations added to its start tag, or the document written out.
    /// Empty when the reader ended inside the element (a cap was hit).
    /// </param>
    public static XmlElement ReadDetached(
        XmlReader reader,
        XmlDocument document,
        IReadOnlyList<string> ancestorPrefixes,
        ReadOnlySpan<byte> utf8Input,
        out byte[] xml)
    {
        var lineInfo = reader as IXmlLineInfo;
        var hasLineInfo = lineInfo?.HasLineInfo() == true;
        var (startLine, startPosition) = hasLineInfo ? (lineInfo!.LineNumber, lineInfo.LinePosition) : (0, 0);
        var name = reader.Name;
        var isEmpty = reader.IsEmptyElement;

        // The namespaces in scope at the element, taken while the reader is on it: once past it, the reader
        // may be on a sibling that declares the same prefixes otherwise. (A prefix the element declares
        // itself is looked up as its own, and never pushed down.)
        var inScope = new KeyValuePair<string, string?>[ancestorPrefixes.Count];
        for (var i = 0; i < inScope.Length; i++)
        {
            inScope[i] = new(ancestorPrefixes[i], reader.LookupNamespace(ancestorPrefixes[i]));
        }

        var copy = (XmlElement)document.ReadNode(reader)!;
        document.AppendChild(copy);
        if (reader.ReadState != ReadState.Interactive)
        {
            // A cap was hit inside the element: the caller refuses the whole input.
            xml = [];
            return copy;
        }

        var text = default(ElementText);
        var located = !utf8Input.IsEmpty && hasLineInfo
            && TryLocate(utf8Input, name, isEmpty, startLine, startPosition, lineInfo!.LineNumber, lineInfo.LinePosition, out text);
        var uses = located ? new NamespacePrefixUse(utf8Input[text.Start..text.End]) : default;
        List<KeyValuePair<string, string>>? added = null;
        foreach (var (prefix, namespaceUri) in inScope)
        {
            if ((!located || uses.MayUse(prefix)) && namespaceUri is not null && DeclareNamespace(copy, prefix, namespaceUri))
            {
                (added ??= []).Add(new(prefix, namespaceUri));
            }
        }

        xml = located ? CopyFromInput(utf8Input, text, added) : ToBytes(document);
        return copy;
    }

    /// <summary>A detached document written as UTF-8 bytes that load back into the same tree.</summary>
    public static byte[] ToBytes(XmlDocument document)
    {
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
                if (attribute.NamespaceURI == Saml2Constants.XmlnsNamespace)
                {
                    DeclareNamespace(copy, attribute.Prefix.Length == 0 ? string.Empty : attribute.LocalName, attribute.Value);
                }
            }
        }
    }

    /// <summary>Declares <paramref name="prefix"/> (the empty string: the default namespace) as <paramref name="namespaceUri"/> unless <paramref name="copy"/> declares it itself.</summary>
    private static bool DeclareNamespace(XmlElement copy, string prefix, string namespaceUri)
    {
        var localName = prefix.Length == 0 ? "xmlns" : prefix;
        if (copy.HasAttribute(localName, Saml2Constants.XmlnsNamespace))
        {
            return false;
        }

        var declaration = prefix.Length == 0
            ? copy.OwnerDocument.CreateAttribute(string.Empty, "xmlns", Saml2Constants.XmlnsNamespace)
            : copy.OwnerDocument.CreateAttribute("xmlns", prefix, Saml2Constants.XmlnsNamespace);
        declaration.Value = namespaceUri;
        copy.Attributes.Append(declaration);
        return true;
    }

    /// <summary>
    /// Finds the element's own text in <paramref name="utf8"/>, from its start tag (reported at the start
    /// position) to the end of its end tag (the node after it is reported at the end position);
    /// <see langword="false"/> when the text found there is not the element's start and end tag, which
    /// never happens for input the reader accepted.
    /// </summary>
    private static bool TryLocate(
        ReadOnlySpan<byte> utf8,
        string name,
        bool isEmpty,
        int startLine,
        int startPosition,
        int endLine,
        int endPosition,
        out ElementText text)
    {
        text = default;
        Span<byte> nameBytes = stackalloc byte[256];
        if (name.Length > 64)
        {
            return false;
        }

        nameBytes = nameBytes[..Encoding.UTF8.GetBytes(name, nameBytes)];

        // The reader reports an element at its name, just after '<'.
        var start = Utf8LinePosition.ToOffset(utf8, startLine, startPosition) - 1;
        var afterName = start + 1 + nameBytes.Length;
        if (start < 0 || afterName >= utf8.Length || utf8[start] != '<' || !utf8.Slice(start + 1, nameBytes.Length).SequenceEqual(nameBytes)
            || utf8[afterName] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'>' or (byte)'/'))
        {
            return false;
        }

        // The next node is reported after its markup ("<", "</", "<!--", "<?", "<![CDATA[", or nothing for
        // text): the element's last '>' is the last one before that.
        var next = Utf8LinePosition.ToOffset(utf8, endLine, endPosition);
        if (next <= afterName)
        {
            return false;
        }

        var end = utf8[Math.Max(afterName, next - 10)..next].LastIndexOf((byte)'>');
        if (end < 0)
        {
            return false;
        }

        end += Math.Max(afterName, next - 10) + 1;
        if (!HasEndTag(utf8[afterName..end], nameBytes, isEmpty))
        {
            return false;
        }

        text = new(start, afterName, end);
        return true;
    }

    /// <summary>The element's text with <paramref name="added"/> declared in its start tag, after its name.</summary>
    private static byte[] CopyFromInput(ReadOnlySpan<byte> utf8, ElementText text, List<KeyValuePair<string, string>>? added)
    {
        var declarations = added is null ? [] : Declarations(added);
        var xml = new byte[text.End - text.Start + declarations.Length];
        utf8[text.Start..text.AfterName].CopyTo(xml);
        declarations.CopyTo(xml.AsSpan(text.AfterName - text.Start));
        utf8[text.AfterName..text.End].CopyTo(xml.AsSpan(text.AfterName - text.Start + declarations.Length));
        return xml;
    }

    /// <summary>Whether <paramref name="rest"/> (the element's text after its name) ends as its end tag, or as an empty element's start tag.</summary>
    private static bool HasEndTag(ReadOnlySpan<byte> rest, ReadOnlySpan<byte> name, bool isEmpty)
    {
        if (isEmpty)
        {
            return rest.EndsWith("/>"u8);
        }

        var inside = rest[..^1].TrimEnd(" \t\r\n"u8);
        return inside.EndsWith(name) && inside[..^name.Length].EndsWith("</"u8);
    }

    /// <summary>The declarations as UTF-8 attribute text, values escaped so they read back unchanged (no normalization).</summary>
    private static byte[] Declarations(List<KeyValuePair<string, string>> declarations)
    {
        var text = new StringBuilder();
        foreach (var (prefix, value) in declarations)
        {
            text.Append(prefix.Length == 0 ? " xmlns=\"" : " xmlns:").Append(prefix).Append(prefix.Length == 0 ? string.Empty : "=\"");
            foreach (var c in value)
            {
                _ = c switch
                {
                    '&' => text.Append("&amp;"),
                    '<' => text.Append("&lt;"),
                    '"' => text.Append("&quot;"),
                    '\t' => text.Append("&#x9;"),
                    '\n' => text.Append("&#xA;"),
                    '\r' => text.Append("&#xD;"),
                    _ => text.Append(c),
                };
            }

            text.Append('"');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Where an element's text lies in the input: its '&lt;', the byte after its name, the byte after its last '&gt;'.</summary>
    private readonly record struct ElementText(int Start, int AfterName, int End);
}
