using System.Security.Cryptography.Xml;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// <see cref="SignedXml"/> that also resolves a reference by the SAML 1.1 <c>AssertionID</c> attribute,
/// which it does not know (it resolves only <c>Id</c>, <c>id</c> and <c>ID</c>).
/// </summary>
internal sealed class Saml11SignedXml(XmlElement element) : SignedXml(element)
{
    public override XmlElement? GetIdElement(XmlDocument? document, string idValue)
    {
        var element = base.GetIdElement(document, idValue);
        if (element is not null || document is null)
        {
            return element;
        }

        foreach (XmlElement candidate in document.GetElementsByTagName("*"))
        {
            if (candidate.GetAttribute("AssertionID") == idValue)
            {
                return candidate;
            }
        }

        return null;
    }
}
