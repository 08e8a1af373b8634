using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary><see cref="Utf8LinePosition"/> finds, for every node an XmlReader reports, the byte it starts at.</summary>
public sealed class Utf8LinePositionTests
{
    [Theory]
    [InlineData("<a><b/><c>text</c></a>")]
    [InlineData("\uFEFF<?xml version=\"1.0\"?>\r\n<a>\r<b x=\"1\r\n2\"/>\r\r\n<c>t\u00e9\U0001F600\u4e2dxt<d/></c>\n\r<e/></a>")]
    [InlineData("<a><!-- \u00e9\r\n\U0001F600 --><![CDATA[\u00fc\r\n]]><?pi \u00e9\n?><b\r\n/>\u00e9<c/></a>")]
    public void ToOffset_EveryElementAndText_IsWhereItsNameOrTextStarts(string xml)
    {
        var utf8 = Encoding.UTF8.GetBytes(xml);
        using var reader = XmlReader.Create(new MemoryStream(utf8), SecureXmlLoader.CreateReaderSettings(utf8.Length));
        var lineInfo = (IXmlLineInfo)reader;
        var checkedNodes = 0;
        while (reader.Read())
        {
            var offset = Utf8LinePosition.ToOffset(utf8, lineInfo.LineNumber, lineInfo.LinePosition);
            if (reader.NodeType is XmlNodeType.Element or XmlNodeType.EndElement)
            {
                Assert.Equal((byte)'<', utf8[offset - (reader.NodeType == XmlNodeType.Element ? 1 : 2)]);
                Assert.True(utf8.AsSpan(offset).StartsWith(Encoding.UTF8.GetBytes(reader.Name)), reader.Name);
                checkedNodes++;
            }
            else if (reader.NodeType == XmlNodeType.Text && !reader.Value.Contains('\n', StringComparison.Ordinal))
            {
                Assert.True(utf8.AsSpan(offset).StartsWith(Encoding.UTF8.GetBytes(reader.Value)), reader.Value);
                checkedNodes++;
            }
        }

        Assert.True(checkedNodes >= 4);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(3, 1)]
    [InlineData(1, 40)]
    public void ToOffset_PositionOutsideTheText_IsMinusOne(int line, int position)
    {
        Assert.Equal(-1, Utf8LinePosition.ToOffset("<a>\n<b/></a>"u8, line, position));
    }
}
