using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Maps a position an <see cref="XmlReader"/> reports (<see cref="IXmlLineInfo"/>: lines counted from 1 and
/// broken at CR, LF or CR LF; positions counted from 1 in UTF-16 code units; a byte order mark not counted)
/// back to a byte offset in the UTF-8 input it read.
/// </summary>
internal static class Utf8LinePosition
{
    /// <summary>The byte offset of (<paramref name="line"/>, <paramref name="position"/>) in <paramref name="utf8"/>, or -1 when it lies outside.</summary>
    public static int ToOffset(ReadOnlySpan<byte> utf8, int line, int position)
    {
        if (line < 1 || position < 1)
        {
            return -1;
        }

        var offset = utf8.StartsWith("\uFEFF"u8) ? 3 : 0;
        for (var current = 1; current < line; current++)
        {
            var next = utf8[offset..].IndexOfAny((byte)'\r', (byte)'\n');
            if (next < 0)
            {
                return -1;
            }

            offset += next + 1;
            if (utf8[offset - 1] == '\r' && offset < utf8.Length && utf8[offset] == '\n')
            {
                offset++;
            }
        }

        // Within the line: ASCII is one byte a unit; past the first other byte, walk the UTF-8 sequences.
        var units = position - 1;
        var ascii = utf8.Slice(offset, Math.Min(units, utf8.Length - offset)).IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
        if (ascii < 0)
        {
            return offset + units <= utf8.Length ? offset + units : -1;
        }

        offset += ascii;
        units -= ascii;
        while (units > 0 && offset < utf8.Length)
        {
            var lead = utf8[offset];
            (var length, var width) = lead < 0x80 ? (1, 1) : lead < 0xE0 ? (2, 1) : lead < 0xF0 ? (3, 1) : (4, 2);
            offset += length;
            units -= width;
        }

        return units == 0 && offset <= utf8.Length ? offset : -1;
    }
}
