using System.Buffers;
using System.Security.Cryptography;
using System.Text.Unicode;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Exclusive XML canonicalization (exc-c14n, https://www.w3.org/TR/xml-exc-c14n/) of one element and
/// its whole subtree, written straight into a hash: no copy of the document, no canonical string.
/// </summary>
/// <remarks>
/// <para>
/// The output is byte for byte that of <see cref="System.Security.Cryptography.Xml.XmlDsigExcC14NTransform"/>
/// given a document that holds a deep copy of the apex element carrying, as attributes of its own, the
/// namespace declarations in scope at the apex (what <see cref="XmlElementDetacher.CopyInScopeNamespaceDeclarations"/>
/// does). It follows that implementation's namespace rules: a declaration is rendered where it is
/// visibly used (by the element or one of its attributes) or, for a prefix of the InclusiveNamespaces
/// PrefixList, where it is declared, and only when the nearest rendered declaration of that prefix
/// differs. Tests compare the two on thousands of documents. One deliberate difference: attributes and
/// namespace declarations are sorted by code point, as Canonical XML 1.0 section 2.2 requires, where the
/// framework transform sorts by UTF-16 code unit (see <see cref="CompareCodePoints"/>).
/// </para>
/// <para>
/// Anything that implementation would throw on, and any node a document loaded without a DTD cannot
/// hold (entity references, document types), makes this fail rather than guess: the caller rejects.
/// Recursion follows element nesting, which <see cref="SecureXmlLoader"/> has capped before any
/// document reaches here.
/// </para>
/// </remarks>
internal sealed class Saml2ExclusiveCanonicalizer : IDisposable
{
    /// <summary>Canonical bytes are hashed in one call when they fit here, else in chunks of this size.</summary>
    private const int BufferSize = 16 * 1024;

    private static readonly SearchValues<char> TextSpecials = SearchValues.Create("&<>\r");
    private static readonly SearchValues<char> AttributeSpecials = SearchValues.Create("&<\"\t\n\r");

    private readonly bool _includeComments;
    private readonly IReadOnlyList<string> _inclusivePrefixes;
    private readonly HashAlgorithmName _hashAlgorithm;
    private readonly List<NamespaceEntry> _scopes = new(16);
    private readonly List<NamespaceEntry> _toRender = new(8);
    private readonly List<NamespaceEntry> _declared = new(8);
    private readonly List<XmlAttribute> _attributes = new(8);
    private byte[] _buffer;
    private int _length;
    private int _depth;
    private IncrementalHash? _hash;

    /// <summary>Where <see cref="ToBytes"/> collects the output instead of hashing it.</summary>
    private Stream? _sink;

    private Saml2ExclusiveCanonicalizer(bool includeComments, IReadOnlyList<string> inclusivePrefixes, HashAlgorithmName hashAlgorithm)
    {
        _includeComments = includeComments;
        _inclusivePrefixes = inclusivePrefixes;
        _hashAlgorithm = hashAlgorithm;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>
    /// Hashes the exclusive canonical form of <paramref name="apex"/> and its subtree.
    /// </summary>
    /// <param name="apex">The element the canonical form starts at.</param>
    /// <param name="includeComments">Whether comments are part of the canonical form (the WithComments variant).</param>
    /// <param name="inclusivePrefixes">The tokens of the InclusiveNamespaces PrefixList, <c>#default</c> as the empty string.</param>
    /// <param name="hashAlgorithm">SHA-1, SHA-256, SHA-384 or SHA-512.</param>
    /// <param name="destination">Receives the hash; at least the hash size.</param>
    /// <param name="bytesWritten">The hash size.</param>
    /// <returns><see langword="false"/> when the subtree cannot be canonicalized.</returns>
    public static bool TryHash(
        XmlElement apex,
        bool includeComments,
        IReadOnlyList<string> inclusivePrefixes,
        HashAlgorithmName hashAlgorithm,
        Span<byte> destination,
        out int bytesWritten)
    {
        using var canonicalizer = new Saml2ExclusiveCanonicalizer(includeComments, inclusivePrefixes, hashAlgorithm);
        bytesWritten = 0;
        return canonicalizer.WriteElement(apex, isApex: true) && canonicalizer.TryFinish(destination, out bytesWritten);
    }

    /// <summary>Writes the canonical form into a byte array: for tests that compare it with other implementations.</summary>
    internal static byte[]? ToBytes(XmlElement apex, bool includeComments, IReadOnlyList<string> inclusivePrefixes)
    {
        using var canonicalizer = new Saml2ExclusiveCanonicalizer(includeComments, inclusivePrefixes, default);
        using var output = new MemoryStream();
        canonicalizer._sink = output;
        if (!canonicalizer.WriteElement(apex, isApex: true))
        {
            return null;
        }

        canonicalizer.Flush();
        return output.ToArray();
    }

    /// <summary>
    /// Splits an InclusiveNamespaces PrefixList into its prefixes (<c>#default</c> as the empty string),
    /// at the characters the reference implementation splits it at (<see cref="char.IsWhiteSpace(char)"/>).
    /// </summary>
    /// <returns>The prefixes, or <see langword="null"/> when one is listed twice (the reference implementation throws).</returns>
    public static string[]? ParsePrefixList(string prefixList)
    {
        var prefixes = new List<string>();
        var remaining = prefixList.AsSpan();
        while (!remaining.IsEmpty)
        {
            var end = 0;
            while (end < remaining.Length && !char.IsWhiteSpace(remaining[end]))
            {
                end++;
            }

            if (end > 0)
            {
                var token = remaining[..end];
                var prefix = token.SequenceEqual("#default") ? string.Empty : token.ToString();
                if (prefixes.Contains(prefix))
                {
                    return null;
                }

                prefixes.Add(prefix);
            }

            remaining = remaining[Math.Min(end + 1, remaining.Length)..];
        }

        return [.. prefixes];
    }

    public void Dispose()
    {
        _hash?.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private bool WriteElement(XmlElement element, bool isApex)
    {
        // The namespace declarations of this element (and, at the apex, those in scope from its
        // ancestors), split into the ones rendered now and the ones only declared here.
        _toRender.Clear();
        _declared.Clear();
        _attributes.Clear();
        var attributes = element.Attributes;
        for (var i = 0; i < attributes.Count; i++)
        {
            var attribute = attributes[i];
            if (IsNamespaceDeclaration(attribute))
            {
                if (!Track(DeclaredPrefix(attribute), attribute.Value))
                {
                    return false;
                }
            }
            else
            {
                _attributes.Add(attribute);
            }
        }

        if (isApex && !TrackInheritedDeclarations(element))
        {
            return false;
        }

        if (!IsCommitted(element.Prefix, element.NamespaceURI) && !Track(element.Prefix, element.NamespaceURI))
        {
            return false;
        }

        Gather(element.Prefix);
        foreach (var attribute in _attributes)
        {
            if (attribute.Prefix.Length > 0)
            {
                Gather(attribute.Prefix);
            }
        }

        if (!SortAttributes())
        {
            return false;
        }

        _toRender.Sort(static (a, b) => a.Prefix.Length == 0 ? (b.Prefix.Length == 0 ? 0 : -1)
            : b.Prefix.Length == 0 ? 1
            : CompareCodePoints(a.Prefix, b.Prefix));

        var name = element.Name;
        WriteByte((byte)'<');
        WriteChars(name);
        foreach (var declaration in _toRender)
        {
            WriteAscii(declaration.Prefix.Length == 0 ? " xmlns=\"" : " xmlns:");
            if (declaration.Prefix.Length > 0)
            {
                WriteChars(declaration.Prefix);
                WriteAscii("=\"");
            }

            WriteEscaped(declaration.Value, AttributeSpecials);
            WriteByte((byte)'"');
        }

        foreach (var attribute in _attributes)
        {
            WriteByte((byte)' ');
            WriteChars(attribute.Name);
            WriteAscii("=\"");
            WriteEscaped(attribute.Value, AttributeSpecials);
            WriteByte((byte)'"');
        }

        WriteByte((byte)'>');

        // This element's frame: what it rendered and what it declared without rendering.
        var frameStart = _scopes.Count;
        foreach (var declaration in _declared)
        {
            _scopes.Add(declaration with { Depth = _depth, Rendered = false });
        }

        foreach (var declaration in _toRender)
        {
            _scopes.Add(declaration with { Depth = _depth, Rendered = true });
        }

        _depth++;
        for (var child = element.FirstChild; child is not null; child = child.NextSibling)
        {
            if (!WriteChild(child))
            {
                return false;
            }
        }

        _depth--;
        _scopes.RemoveRange(frameStart, _scopes.Count - frameStart);

        WriteAscii("</");
        WriteChars(name);
        WriteByte((byte)'>');
        return true;
    }

    private bool WriteChild(XmlNode child)
    {
        switch (child.NodeType)
        {
            case XmlNodeType.Element:
                return WriteElement((XmlElement)child, isApex: false);
            case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                // Whitespace holds only space, tab, LF and CR, for which text escaping is whitespace escaping.
                WriteEscaped(child.Value!, TextSpecials);
                return true;
            case XmlNodeType.Comment:
                if (_includeComments)
                {
                    WriteAscii("<!--");
                    WriteChars(child.Value);
                    WriteAscii("-->");
                }

                return true;
            case XmlNodeType.ProcessingInstruction:
                WriteAscii("<?");
                WriteChars(child.Name);
                if (child.Value is { Length: > 0 } data)
                {
                    WriteByte((byte)' ');
                    WriteChars(data);
                }

                WriteAscii("?>");
                return true;
            default:
                // Entity references and the like: not in a document loaded without a DTD.
                return false;
        }
    }

    /// <summary>
    /// Declares at the apex every namespace in scope there through its ancestors that it does not declare
    /// itself, the nearest declaration winning (exclusive c14n of an element taken out of its document).
    /// </summary>
    private bool TrackInheritedDeclarations(XmlElement apex)
    {
        for (var ancestor = apex.ParentNode as XmlElement; ancestor is not null; ancestor = ancestor.ParentNode as XmlElement)
        {
            var attributes = ancestor.Attributes;
            for (var i = 0; i < attributes.Count; i++)
            {
                var attribute = attributes[i];
                if (attribute.NamespaceURI == Saml2Constants.XmlnsNamespace && IsNamespaceDeclaration(attribute))
                {
                    var prefix = DeclaredPrefix(attribute);
                    if (Find(_toRender, prefix) < 0 && Find(_declared, prefix) < 0 && !Track(prefix, attribute.Value))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>Whether the element itself declares its prefix with its namespace.</summary>
    private bool IsCommitted(string prefix, string namespaceUri)
    {
        var index = Find(_toRender, prefix);
        if (index >= 0)
        {
            return _toRender[index].Value == namespaceUri;
        }

        index = Find(_declared, prefix);
        return index >= 0 && _declared[index].Value == namespaceUri;
    }

    /// <summary>
    /// A declaration on the element: rendered at once when its prefix is an inclusive one and it changes
    /// the nearest rendered value, else kept to be rendered if the element or an attribute uses it.
    /// </summary>
    private bool Track(string prefix, string value)
    {
        if (Find(_toRender, prefix) >= 0 || Find(_declared, prefix) >= 0)
        {
            // Two declarations of one prefix on one element: the reference implementation throws.
            return false;
        }

        var entry = new NamespaceEntry(prefix, value, Rendered: false, Depth: 0);
        if (IsInclusive(prefix) && IsNonRedundant(entry, NearestInScope(prefix, rendered: true, out _)))
        {
            _toRender.Add(entry);
        }
        else
        {
            _declared.Add(entry);
        }

        return true;
    }

    /// <summary>Renders the declaration of a prefix the element uses, unless the nearest rendered one already says it.</summary>
    private void Gather(string prefix)
    {
        if (Find(_toRender, prefix) >= 0)
        {
            return;
        }

        var rendered = NearestInScope(prefix, rendered: true, out var renderedDepth);
        var local = Find(_declared, prefix);
        if (local >= 0)
        {
            if (IsNonRedundant(_declared[local], rendered))
            {
                _toRender.Add(_declared[local]);
                _declared.RemoveAt(local);
            }

            return;
        }

        var unrendered = NearestInScope(prefix, rendered: false, out var unrenderedDepth);
        if (unrendered is not null && unrenderedDepth > renderedDepth && IsNonRedundant(unrendered.Value, rendered))
        {
            _toRender.Add(unrendered.Value);
        }
    }

    private NamespaceEntry? NearestInScope(string prefix, bool rendered, out int depth)
    {
        for (var i = _scopes.Count - 1; i >= 0; i--)
        {
            var entry = _scopes[i];
            if (entry.Rendered == rendered && entry.Prefix == prefix)
            {
                depth = entry.Depth;
                return entry;
            }
        }

        depth = -1;
        return null;
    }

    private static bool IsNonRedundant(NamespaceEntry declaration, NamespaceEntry? nearestRendered) =>
        nearestRendered is { } nearest
            ? !string.Equals(nearest.Value, declaration.Value, StringComparison.Ordinal)
            : declaration.Prefix.Length != 0 || declaration.Value.Length != 0;

    private bool IsInclusive(string prefix)
    {
        foreach (var inclusive in _inclusivePrefixes)
        {
            if (string.Equals(inclusive, prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Sorts attributes by namespace URI, then local name; two with the same pair fail.</summary>
    private bool SortAttributes()
    {
        _attributes.Sort(static (a, b) =>
        {
            var byNamespace = CompareCodePoints(a.NamespaceURI, b.NamespaceURI);
            return byNamespace != 0 ? byNamespace : CompareCodePoints(a.LocalName, b.LocalName);
        });

        for (var i = 1; i < _attributes.Count; i++)
        {
            if (_attributes[i].NamespaceURI == _attributes[i - 1].NamespaceURI && _attributes[i].LocalName == _attributes[i - 1].LocalName)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Compares by Unicode code point, which for well-formed text is UTF-8 byte order: the "lexicographic
    /// order" of Canonical XML 1.0 section 2.2 for namespace URIs, local names and prefixes (libxml2, and so
    /// xmlsec1, compares the UTF-8 bytes). <see cref="string.CompareOrdinal(string, string)"/> compares
    /// UTF-16 code units instead, which puts a supplementary character (a surrogate pair, D800-DFFF) before
    /// U+E000-U+FFFF; so does <see cref="System.Security.Cryptography.Xml.XmlDsigExcC14NTransform"/>. The
    /// two orders differ only there: at the first differing code unit, surrogates are moved above
    /// U+E000-U+FFFF (ICU's code point order fix-up); a lone surrogate, which a conforming parser never
    /// produces, sorts as if it were part of a pair.
    /// </summary>
    internal static int CompareCodePoints(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        var common = a.AsSpan(0, length).CommonPrefixLength(b.AsSpan(0, length));
        if (common == length)
        {
            return a.Length - b.Length;
        }

        return CodePointRank(a[common]) - CodePointRank(b[common]);

        static int CodePointRank(char c) => c switch
        {
            >= '\uE000' => c - 0x800,
            >= '\uD800' => c + 0x2000,
            _ => c,
        };
    }

    private static int Find(List<NamespaceEntry> entries, string prefix)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Prefix == prefix)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary><c>xmlns</c> or <c>xmlns:*</c>, by name, as the reference implementation tells them.</summary>
    private static bool IsNamespaceDeclaration(XmlAttribute attribute) =>
        attribute.Prefix == "xmlns" || (attribute.Prefix.Length == 0 && attribute.LocalName == "xmlns");

    private static string DeclaredPrefix(XmlAttribute declaration) =>
        declaration.Prefix.Length == 0 ? string.Empty : declaration.LocalName;

    private void WriteEscaped(string value, SearchValues<char> specials)
    {
        var remaining = value.AsSpan();
        while (true)
        {
            var next = remaining.IndexOfAny(specials);
            if (next < 0)
            {
                WriteChars(remaining);
                return;
            }

            WriteChars(remaining[..next]);
            WriteAscii(remaining[next] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\t' => "&#x9;",
                '\n' => "&#xA;",
                _ => "&#xD;",
            });
            remaining = remaining[(next + 1)..];
        }
    }

    private void WriteByte(byte value)
    {
        if (_length == _buffer.Length)
        {
            Flush();
        }

        _buffer[_length++] = value;
    }

    /// <summary>Writes ASCII text (the markup of the canonical form).</summary>
    private void WriteAscii(string text)
    {
        if (_buffer.Length - _length < text.Length)
        {
            Flush();
        }

        for (var i = 0; i < text.Length; i++)
        {
            _buffer[_length + i] = (byte)text[i];
        }

        _length += text.Length;
    }

    /// <summary>
    /// Writes text as UTF-8. Invalid UTF-16 (which a conforming parser never produces) becomes U+FFFD, as
    /// in the reference implementation's UTF8Encoding.
    /// </summary>
    private void WriteChars(ReadOnlySpan<char> text)
    {
        while (true)
        {
            var status = Utf8.FromUtf16(text, _buffer.AsSpan(_length), out var read, out var written, replaceInvalidSequences: true, isFinalBlock: true);
            _length += written;
            if (status != OperationStatus.DestinationTooSmall)
            {
                return;
            }

            text = text[read..];
            Flush();
        }
    }

    private void Flush()
    {
        if (_sink is not null)
        {
            _sink.Write(_buffer, 0, _length);
        }
        else
        {
            _hash ??= IncrementalHash.CreateHash(_hashAlgorithm);
            _hash.AppendData(_buffer, 0, _length);
        }

        _length = 0;
    }

    private bool TryFinish(Span<byte> destination, out int bytesWritten)
    {
        if (_hash is null)
        {
            // The usual case: the whole canonical form fit in the buffer, one call hashes it.
            return TryHashData(_hashAlgorithm, _buffer.AsSpan(0, _length), destination, out bytesWritten);
        }

        _hash.AppendData(_buffer, 0, _length);
        _length = 0;
        return _hash.TryGetHashAndReset(destination, out bytesWritten);
    }

    private static bool TryHashData(HashAlgorithmName name, ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten)
    {
        if (name == HashAlgorithmName.SHA256)
        {
            return SHA256.TryHashData(source, destination, out bytesWritten);
        }

        if (name == HashAlgorithmName.SHA384)
        {
            return SHA384.TryHashData(source, destination, out bytesWritten);
        }

        if (name == HashAlgorithmName.SHA512)
        {
            return SHA512.TryHashData(source, destination, out bytesWritten);
        }

        if (name == HashAlgorithmName.SHA1)
        {
#pragma warning disable CA5350 // SHA-1 is reachable only through the explicit AllowSha1 opt-in.
            return SHA1.TryHashData(source, destination, out bytesWritten);
#pragma warning restore CA5350
        }

        throw new InvalidOperationException("Unreachable: the algorithm tables hold only SHA-1 and SHA-2.");
    }

    /// <summary>A namespace declaration in scope: its prefix (empty for the default), URI, whether it was rendered, and the depth of its element.</summary>
    private readonly record struct NamespaceEntry(string Prefix, string Value, bool Rendered, int Depth);
}
