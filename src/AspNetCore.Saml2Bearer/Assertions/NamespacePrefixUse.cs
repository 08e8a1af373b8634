using System.Globalization;
using System.Text;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// What an element's XML text may refer to by namespace prefix, worked out once for the element and asked
/// for each declaration in scope: which of its ancestors' declarations <see cref="XmlElementDetacher.ReadDetached"/>
/// pushes down. Errs towards "may": a declaration pushed down for nothing costs a few bytes, one left behind
/// that was needed would break the signature or the meaning.
/// </summary>
internal readonly ref struct NamespacePrefixUse
{
    private readonly ReadOnlySpan<byte> _text;

    /// <summary>A character reference in the text could spell part of a prefix or its colon: every prefix may be used.</summary>
    private readonly bool _any;

    /// <summary>The text holds an InclusiveNamespaces PrefixList, whose tokens are prefixes without a colon.</summary>
    private readonly bool _asToken;

    public NamespacePrefixUse(ReadOnlySpan<byte> text)
    {
        _text = text;
        _any = HasNameCharacterReference(text);
        _asToken = text.IndexOf("PrefixList"u8) >= 0;
    }

    /// <summary>
    /// Whether the text may refer to <paramref name="prefix"/>: always for the default namespace (the empty
    /// string); else when the prefix stands after a character no name continues through and before a colon
    /// (an element or attribute name, or a QName in an attribute value or text such as
    /// <c>xsi:type="p:string"</c>), or, when the text holds a <c>PrefixList</c>, anywhere as a whole token.
    /// </summary>
    public bool MayUse(string prefix)
    {
        if (_any || prefix.Length == 0 || prefix.Length > 64)
        {
            return true;
        }

        // Without a PrefixList only "prefix:" is a use: search for that, colon included.
        Span<byte> needle = stackalloc byte[257];
        var length = Encoding.UTF8.GetBytes(prefix, needle);
        needle[length] = (byte)':';
        needle = needle[..(_asToken ? length : length + 1)];
        var text = _text;
        for (var offset = 0; offset < text.Length;)
        {
            var found = text[offset..].IndexOf(needle);
            if (found < 0)
            {
                return false;
            }

            var at = offset + found;
            var after = at + needle.Length;
            if ((at == 0 || !IsNameByte(text[at - 1]))
                && (!_asToken || after == text.Length || !IsNameByte(text[after])))
            {
                return true;
            }

            offset = at + 1;
        }

        return false;
    }

    /// <summary>
    /// Whether a byte may continue an XML name: ASCII letters, digits, '.', '-' and '_'. Bytes of non-ASCII
    /// characters count as not continuing one, so a prefix after them is taken as possibly used.
    /// </summary>
    private static bool IsNameByte(byte value) =>
        value is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'.' or (byte)'-' or (byte)'_';

    /// <summary>Whether a character reference in <paramref name="utf8"/> stands for a colon, a name character or a character beyond ASCII.</summary>
    private static bool HasNameCharacterReference(ReadOnlySpan<byte> utf8)
    {
        for (var at = utf8.IndexOf("&#"u8); at >= 0;)
        {
            var rest = utf8[(at + 2)..];
            var hex = !rest.IsEmpty && rest[0] == 'x';
            var digits = hex ? rest[1..] : rest;
            var end = digits.IndexOf((byte)';');
            if (end <= 0 || end > 8
                || !int.TryParse(digits[..end], hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var codePoint)
                || codePoint is < 0 or >= 0x80 or ':' || IsNameByte((byte)codePoint))
            {
                return true;
            }

            var next = rest.IndexOf("&#"u8);
            at = next < 0 ? -1 : at + 2 + next;
        }

        return false;
    }
}
