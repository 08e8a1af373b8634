using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// Mutates the XML bytes of an assertion with a seeded <see cref="Random"/>: byte flips, byte and XML
/// fragment insertion and deletion, duplicated and moved elements, attribute value edits, namespace and
/// prefix edits, whitespace inside and outside tags, comments, character references and quote styles.
/// Some of these are signature-neutral (whitespace inside tags, comments, character references, quote
/// style, anything inside KeyInfo); most are not. The same seed gives the same sequence of operations.
/// </summary>
public sealed class Saml2AssertionMutator
{
    private static readonly byte[] InterestingBytes = "<>/=\"'&;:!?- \t\r\nax0_#"u8.ToArray();

    private static readonly string[] Fragments =
    [
        "<!---->", "<!-- x -->", "<?pi data?>", "<![CDATA[x]]>", "<x/>", "<saml:Issuer>https://idp.example.com/saml</saml:Issuer>",
        "<saml:NameID>admin@example.com</saml:NameID>", "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>",
        "<saml:Assertion ID=\"_evil\" Version=\"2.0\"/>", " ID=\"_mutation\"", " Id=\"_mutation\"", " xmlns:evil=\"urn:example:attacker\"",
        " xmlns=\"urn:example:attacker\"", "&amp;", "&#x41;", "&lt;", "\u00e9", "\uFEFF", "<!DOCTYPE x>", "]]>", "</saml:Subject>", "<saml:Subject>",
        "<saml:Conditions/>", "<saml:AudienceRestriction><saml:Audience>https://evil.example.com</saml:Audience></saml:AudienceRestriction>",
    ];

    private static readonly string[] Whitespace = [" ", "  ", "\t", "\n", "\r\n", " \n\t"];

    private static readonly (string Name, Func<Saml2AssertionMutator, byte[], byte[]?> Apply)[] Operators =
    [
        ("FlipBit", (m, b) => m.FlipBit(b)),
        ("SetByte", (m, b) => m.SetByte(b)),
        ("InsertBytes", (m, b) => m.InsertBytes(b)),
        ("DeleteBytes", (m, b) => m.DeleteBytes(b)),
        ("InsertFragment", (m, b) => m.InsertFragment(b)),
        ("DeleteTag", (m, b) => m.DeleteTag(b)),
        ("WhitespaceInsideTag", (m, b) => m.WhitespaceInsideTag(b)),
        ("WhitespaceOutsideTag", (m, b) => m.WhitespaceOutsideTag(b)),
        ("InsertComment", (m, b) => m.InsertComment(b)),
        ("CharacterReference", (m, b) => m.CharacterReference(b)),
        ("QuoteStyle", (m, b) => m.QuoteStyle(b)),
        ("PrefixEdit", (m, b) => m.PrefixEdit(b)),
        ("NamespaceUriEdit", (m, b) => m.NamespaceUriEdit(b)),
        ("DuplicateElement", (m, b) => EditDocument(b, m.DuplicateElement)),
        ("MoveElement", (m, b) => EditDocument(b, m.MoveElement)),
        ("RemoveElement", (m, b) => EditDocument(b, m.RemoveElement)),
        ("AttributeValueEdit", (m, b) => EditDocument(b, m.AttributeValueEdit)),
        ("AddIdAttribute", (m, b) => EditDocument(b, m.AddIdAttribute)),
        ("RemoveAttribute", (m, b) => EditDocument(b, m.RemoveAttribute)),
    ];

    private readonly Random _random;

    public Saml2AssertionMutator(int seed) => _random = new Random(seed);

    public static IEnumerable<string> OperatorNames => Operators.Select(o => o.Name);

    /// <summary>Applies one to three operators; returns the mutant and the names of what was applied.</summary>
    public (byte[] Mutant, string Operations) Mutate(byte[] original)
    {
        var count = _random.Next(6) switch { < 3 => 1, < 5 => 2, _ => 3 };
        var bytes = original;
        var names = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var (name, apply) = Operators[_random.Next(Operators.Length)];
            var mutated = apply(this, bytes);
            if (mutated is null)
            {
                // Not applicable (a structural edit on a document that no longer parses): flip a bit instead.
                (name, mutated) = ("FlipBit", FlipBit(bytes));
            }

            bytes = mutated;
            names.Add(name);
        }

        return (bytes, string.Join('+', names));
    }

    private byte[] FlipBit(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[_random.Next(copy.Length)] ^= (byte)(1 << _random.Next(8));
        return copy;
    }

    private byte[] SetByte(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[_random.Next(copy.Length)] = InterestingBytes[_random.Next(InterestingBytes.Length)];
        return copy;
    }

    private byte[] InsertBytes(byte[] bytes)
    {
        var inserted = new byte[1 + _random.Next(4)];
        for (var i = 0; i < inserted.Length; i++)
        {
            inserted[i] = _random.Next(4) == 0 ? (byte)_random.Next(256) : InterestingBytes[_random.Next(InterestingBytes.Length)];
        }

        return Insert(bytes, _random.Next(bytes.Length + 1), inserted);
    }

    private byte[] DeleteBytes(byte[] bytes)
    {
        var start = _random.Next(bytes.Length);
        var length = Math.Min(bytes.Length - start, 1 + _random.Next(_random.Next(2) == 0 ? 4 : 64));
        return [.. bytes.AsSpan(0, start), .. bytes.AsSpan(start + length)];
    }

    private byte[] InsertFragment(byte[] bytes)
    {
        var fragment = Encoding.UTF8.GetBytes(Fragments[_random.Next(Fragments.Length)]);
        var boundaries = Positions(bytes, (byte)'>', after: true).Concat(Positions(bytes, (byte)'<', after: false)).ToList();
        var at = boundaries.Count > 0 && _random.Next(4) != 0 ? boundaries[_random.Next(boundaries.Count)] : _random.Next(bytes.Length + 1);
        return Insert(bytes, at, fragment);
    }

    private byte[]? DeleteTag(byte[] bytes)
    {
        var starts = Positions(bytes, (byte)'<', after: false).ToList();
        if (starts.Count == 0)
        {
            return null;
        }

        var start = starts[_random.Next(starts.Count)];
        var end = Array.IndexOf(bytes, (byte)'>', start);
        return end < 0 ? null : [.. bytes.AsSpan(0, start), .. bytes.AsSpan(end + 1)];
    }

    /// <summary>Whitespace where XML allows it inside a tag: before an attribute, or before <c>&gt;</c> or <c>/&gt;</c>.</summary>
    private byte[]? WhitespaceInsideTag(byte[] bytes)
    {
        var candidates = new List<int>();
        var inTag = false;
        for (var i = 0; i < bytes.Length; i++)
        {
            switch (bytes[i])
            {
                case (byte)'<':
                    inTag = i + 1 < bytes.Length && bytes[i + 1] is not ((byte)'!' or (byte)'?');
                    break;
                case (byte)'>':
                    if (inTag && bytes[i - 1] != (byte)'/')
                    {
                        candidates.Add(i);
                    }

                    inTag = false;
                    break;
                case (byte)'/' when inTag && i + 1 < bytes.Length && bytes[i + 1] == (byte)'>':
                    candidates.Add(i);
                    break;
                case (byte)' ' when inTag:
                    candidates.Add(i);
                    break;
            }
        }

        return candidates.Count == 0 ? null : Insert(bytes, candidates[_random.Next(candidates.Count)], Encoding.ASCII.GetBytes(Whitespace[_random.Next(Whitespace.Length)]));
    }

    private byte[]? WhitespaceOutsideTag(byte[] bytes)
    {
        var candidates = Positions(bytes, (byte)'>', after: true).ToList();
        return candidates.Count == 0 ? null : Insert(bytes, candidates[_random.Next(candidates.Count)], Encoding.ASCII.GetBytes(Whitespace[_random.Next(Whitespace.Length)]));
    }

    /// <summary>A comment between tags or inside text content (never inside a tag).</summary>
    private byte[]? InsertComment(byte[] bytes)
    {
        var candidates = TextPositions(bytes);
        return candidates.Count == 0 ? null : Insert(bytes, candidates[_random.Next(candidates.Count)], _random.Next(2) == 0 ? "<!---->"u8.ToArray() : "<!-- mutation -->"u8.ToArray());
    }

    /// <summary>An ASCII letter or digit of text content written as a numeric character reference.</summary>
    private byte[]? CharacterReference(byte[] bytes)
    {
        var candidates = TextPositions(bytes).Where(i => i < bytes.Length && char.IsAsciiLetterOrDigit((char)bytes[i])).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var at = candidates[_random.Next(candidates.Count)];
        var reference = Encoding.ASCII.GetBytes(_random.Next(2) == 0 ? $"&#{bytes[at]};" : $"&#x{bytes[at]:X};");
        return [.. bytes.AsSpan(0, at), .. reference, .. bytes.AsSpan(at + 1)];
    }

    /// <summary>One attribute's double quotes turned into single quotes.</summary>
    private byte[]? QuoteStyle(byte[] bytes)
    {
        var candidates = new List<int>();
        for (var i = 0; i + 1 < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'=' && bytes[i + 1] == (byte)'"')
            {
                candidates.Add(i + 1);
            }
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var open = candidates[_random.Next(candidates.Count)];
        var close = Array.IndexOf(bytes, (byte)'"', open + 1);
        if (close < 0 || Array.IndexOf(bytes, (byte)'\'', open, close - open) >= 0)
        {
            return null;
        }

        var copy = (byte[])bytes.Clone();
        copy[open] = copy[close] = (byte)'\'';
        return copy;
    }

    /// <summary>Renames a prefix in one tag, everywhere, or in its declaration only.</summary>
    private byte[]? PrefixEdit(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var prefix = _random.Next(3) switch { 0 => "saml", 1 => "ds", _ => "xsi" };
        var renamed = _random.Next(2) == 0 ? prefix + "2" : "p";
        switch (_random.Next(3))
        {
            case 0:
                var tags = AllIndexesOf(text, "<" + prefix + ":").Concat(AllIndexesOf(text, "</" + prefix + ":")).ToList();
                if (tags.Count == 0)
                {
                    return null;
                }

                var at = tags[_random.Next(tags.Count)];
                var colon = text.IndexOf(':', at);
                return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, colon - prefix.Length), renamed, text.AsSpan(colon)));
            case 1:
                return Encoding.UTF8.GetBytes(text.Replace(prefix + ":", renamed + ":", StringComparison.Ordinal));
            default:
                return text.Contains("xmlns:" + prefix + "=", StringComparison.Ordinal)
                    ? Encoding.UTF8.GetBytes(text.Replace("xmlns:" + prefix + "=", "xmlns:" + renamed + "=", StringComparison.Ordinal))
                    : null;
        }
    }

    /// <summary>Edits the URI of one namespace declaration.</summary>
    private byte[]? NamespaceUriEdit(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var declarations = AllIndexesOf(text, "xmlns").ToList();
        if (declarations.Count == 0)
        {
            return null;
        }

        var open = text.IndexOf('"', declarations[_random.Next(declarations.Count)]);
        var close = open < 0 ? -1 : text.IndexOf('"', open + 1);
        if (close < 0)
        {
            return null;
        }

        var uri = text[(open + 1)..close];
        var edited = _random.Next(4) switch
        {
            0 => uri + "x",
            1 => uri.Length > 0 ? uri[..^1] : "x",
            2 => uri.ToUpperInvariant(),
            _ => string.Empty,
        };
        return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, open + 1), edited, text.AsSpan(close)));
    }

    private static byte[]? EditDocument(byte[] bytes, Func<XmlDocument, bool> edit)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }

        if (!edit(document))
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false).GetBytes(document.OuterXml);
        }
        catch (ArgumentException)
        {
            // An edit the DOM cannot serialise, such as a prefixed namespace declaration made empty.
            return null;
        }
    }

    private bool DuplicateElement(XmlDocument document)
    {
        var element = PickElement(document, includeRoot: false);
        if (element is null)
        {
            return false;
        }

        var copy = element.CloneNode(deep: true);
        if (_random.Next(2) == 0)
        {
            element.ParentNode!.InsertAfter(copy, element);
        }
        else
        {
            element.ParentNode!.InsertBefore(copy, element);
        }

        return true;
    }

    private bool MoveElement(XmlDocument document)
    {
        var element = PickElement(document, includeRoot: false);
        if (element is null)
        {
            return false;
        }

        var destinations = document.GetElementsByTagName("*").Cast<XmlElement>()
            .Where(e => e != element && !IsDescendantOf(e, element))
            .ToList();
        element.ParentNode!.RemoveChild(element);
        var destination = destinations[_random.Next(destinations.Count)];
        var children = destination.ChildNodes.Count;
        var before = children == 0 ? null : destination.ChildNodes[_random.Next(children + 1)];
        destination.InsertBefore(element, before);
        return true;
    }

    private bool RemoveElement(XmlDocument document)
    {
        var element = PickElement(document, includeRoot: false);
        element?.ParentNode!.RemoveChild(element);
        return element is not null;
    }

    private bool AttributeValueEdit(XmlDocument document)
    {
        var attributes = document.GetElementsByTagName("*").Cast<XmlElement>().SelectMany(e => e.Attributes.Cast<XmlAttribute>()).ToList();
        if (attributes.Count == 0)
        {
            return false;
        }

        var attribute = attributes[_random.Next(attributes.Count)];
        var value = attribute.Value;
        attribute.Value = _random.Next(6) switch
        {
            0 => value + "x",
            1 => value.Length > 0 ? value[..^1] : "x",
            2 => string.Empty,
            3 => " " + value + " ",
            4 => attributes[_random.Next(attributes.Count)].Value,
            _ => value.ToUpperInvariant(),
        };
        return true;
    }

    private bool AddIdAttribute(XmlDocument document)
    {
        var element = PickElement(document, includeRoot: true)!;
        var name = _random.Next(3) switch { 0 => "ID", 1 => "Id", _ => "id" };
        var root = document.DocumentElement!;
        var value = _random.Next(2) == 0 ? (root.GetAttribute("ID") is { Length: > 0 } id ? id : root.GetAttribute("AssertionID")) : "_mutation";
        element.SetAttribute(name, value);
        return true;
    }

    private bool RemoveAttribute(XmlDocument document)
    {
        var attributes = document.GetElementsByTagName("*").Cast<XmlElement>().SelectMany(e => e.Attributes.Cast<XmlAttribute>()).ToList();
        if (attributes.Count == 0)
        {
            return false;
        }

        var attribute = attributes[_random.Next(attributes.Count)];
        attribute.OwnerElement!.Attributes.Remove(attribute);
        return true;
    }

    private XmlElement? PickElement(XmlDocument document, bool includeRoot)
    {
        var elements = document.GetElementsByTagName("*").Cast<XmlElement>().Where(e => includeRoot || e != document.DocumentElement).ToList();
        return elements.Count == 0 ? null : elements[_random.Next(elements.Count)];
    }

    private static bool IsDescendantOf(XmlNode node, XmlNode ancestor)
    {
        for (var parent = node.ParentNode; parent is not null; parent = parent.ParentNode)
        {
            if (parent == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Positions outside every tag: right after a <c>&gt;</c> and inside the text that follows it.</summary>
    private static List<int> TextPositions(byte[] bytes)
    {
        var positions = new List<int>();
        var inText = false;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'<')
            {
                if (inText)
                {
                    positions.Add(i);
                }

                inText = false;
            }
            else if (bytes[i] == (byte)'>')
            {
                inText = true;
            }
            else if (inText && bytes[i] != (byte)'&' && bytes[i - 1] != (byte)'&')
            {
                positions.Add(i);
            }
        }

        return positions;
    }

    private static IEnumerable<int> Positions(byte[] bytes, byte value, bool after)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == value)
            {
                yield return after ? i + 1 : i;
            }
        }
    }

    private static IEnumerable<int> AllIndexesOf(string text, string value)
    {
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            yield return i;
        }
    }

    private static byte[] Insert(byte[] bytes, int at, byte[] inserted) => [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)];
}
