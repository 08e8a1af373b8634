using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// A document as text, one line a node: its type, name, namespace and value, attributes sorted by name,
/// line breaks and tabs escaped. Equal for two trees exactly when they hold the same nodes in the same
/// order (attribute order aside), as when a detached assertion's bytes are loaded back.
/// </summary>
public static class XmlTreeDump
{
    public static string Of(XmlDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var text = new StringBuilder();
        void Value(string? value) => text.Append(value?.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal));
        void Walk(XmlNode node, int depth)
        {
            text.Append(' ', depth).Append(node.NodeType).Append(':').Append(node.Name).Append('{').Append(node.NamespaceURI).Append("}=");
            Value(node.Value);
            text.Append('\n');
            foreach (var attribute in (node.Attributes?.Cast<XmlAttribute>() ?? []).OrderBy(a => a.Name, StringComparer.Ordinal))
            {
                text.Append(' ', depth + 1).Append('@').Append(attribute.Name).Append('{').Append(attribute.NamespaceURI).Append("}=");
                Value(attribute.Value);
                text.Append('\n');
            }

            for (var child = node.FirstChild; child is not null; child = child.NextSibling)
            {
                Walk(child, depth + 1);
            }
        }

        Walk(document, 0);
        return text.ToString();
    }
}
