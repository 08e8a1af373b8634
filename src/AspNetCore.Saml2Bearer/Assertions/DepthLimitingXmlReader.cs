using System.Xml;
using System.Xml.Schema;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Passes an <see cref="XmlReader"/> through unchanged until it reaches a node at or below a maximum
/// depth, then ends the document there and says so (<see cref="DepthExceeded"/>). Whatever is built
/// from it, such as an <see cref="XmlDocument"/> (whose loader is iterative), never holds a node deeper
/// than the cap, and the rest of the input is never read.
/// </summary>
internal sealed class DepthLimitingXmlReader : XmlReader, IXmlLineInfo
{
    private readonly XmlReader _inner;
    private readonly int _maximumDepth;

    /// <param name="inner">The reader to limit; disposed with this one.</param>
    /// <param name="maximumDepth">The first depth that is refused (the document element has depth 0).</param>
    public DepthLimitingXmlReader(XmlReader inner, int maximumDepth)
    {
        _inner = inner;
        _maximumDepth = maximumDepth;
    }

    /// <summary>Whether a node at or below the maximum depth was met; the reader reported the end of the input then.</summary>
    public bool DepthExceeded { get; private set; }

    public override bool Read()
    {
        if (DepthExceeded || !_inner.Read())
        {
            return false;
        }

        if (_inner.Depth >= _maximumDepth)
        {
            DepthExceeded = true;
            return false;
        }

        return true;
    }

    public override int AttributeCount => _inner.AttributeCount;

    public override string BaseURI => _inner.BaseURI;

    public override bool CanResolveEntity => _inner.CanResolveEntity;

    public override int Depth => _inner.Depth;

    public override bool EOF => DepthExceeded || _inner.EOF;

    public override bool HasValue => _inner.HasValue;

    public override bool IsDefault => _inner.IsDefault;

    public override bool IsEmptyElement => _inner.IsEmptyElement;

    public override string LocalName => _inner.LocalName;

    public override string Name => _inner.Name;

    public override string NamespaceURI => _inner.NamespaceURI;

    public override XmlNameTable NameTable => _inner.NameTable;

    public override XmlNodeType NodeType => _inner.NodeType;

    public override string Prefix => _inner.Prefix;

    public override char QuoteChar => _inner.QuoteChar;

    public override ReadState ReadState => DepthExceeded ? ReadState.EndOfFile : _inner.ReadState;

    public override IXmlSchemaInfo? SchemaInfo => _inner.SchemaInfo;

    public override XmlReaderSettings? Settings => _inner.Settings;

    public override string Value => _inner.Value;

    public override string XmlLang => _inner.XmlLang;

    public override XmlSpace XmlSpace => _inner.XmlSpace;

    /// <summary>The inner reader's line and position (see <see cref="Utf8LinePosition"/>), when it has them.</summary>
    public int LineNumber => (_inner as IXmlLineInfo)?.LineNumber ?? 0;

    public int LinePosition => (_inner as IXmlLineInfo)?.LinePosition ?? 0;

    public bool HasLineInfo() => (_inner as IXmlLineInfo)?.HasLineInfo() == true;

    public override string GetAttribute(int i) => _inner.GetAttribute(i);

    public override string? GetAttribute(string name) => _inner.GetAttribute(name);

    public override string? GetAttribute(string name, string? namespaceURI) => _inner.GetAttribute(name, namespaceURI);

    public override string? LookupNamespace(string prefix) => _inner.LookupNamespace(prefix);

    public override bool MoveToAttribute(string name) => _inner.MoveToAttribute(name);

    public override bool MoveToAttribute(string name, string? ns) => _inner.MoveToAttribute(name, ns);

    public override void MoveToAttribute(int i) => _inner.MoveToAttribute(i);

    public override bool MoveToElement() => _inner.MoveToElement();

    public override bool MoveToFirstAttribute() => _inner.MoveToFirstAttribute();

    public override bool MoveToNextAttribute() => _inner.MoveToNextAttribute();

    public override bool ReadAttributeValue() => _inner.ReadAttributeValue();

    public override void ResolveEntity() => _inner.ResolveEntity();

    public override void Close() => _inner.Close();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
