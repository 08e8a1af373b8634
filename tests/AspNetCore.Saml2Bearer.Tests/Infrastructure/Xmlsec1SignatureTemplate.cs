using System.Security.Cryptography.Xml;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// The empty <c>ds:Signature</c> skeleton that <c>xmlsec1 --sign</c> fills in: exclusive c14n,
/// one Reference to the assertion's ID with the enveloped-signature and exclusive c14n transforms,
/// empty DigestValue and SignatureValue.
/// </summary>
public sealed class Xmlsec1SignatureTemplate
{
    public const string ExclusiveC14NNamespace = "http://www.w3.org/2001/10/xml-exc-c14n#";

    /// <summary>The prefix of the XML-DSig elements; empty for a default namespace declaration on Signature.</summary>
    public string Prefix { get; set; } = "ds";

    public string SignatureAlgorithm { get; set; } = SignedXml.XmlDsigRSASHA256Url;

    public string DigestAlgorithm { get; set; } = SignedXml.XmlDsigSHA256Url;

    /// <summary>When set, an <c>ec:InclusiveNamespaces</c> with this PrefixList on the Reference's exclusive c14n transform.</summary>
    public string? ReferencePrefixList { get; set; }

    /// <summary>When set, an <c>ec:InclusiveNamespaces</c> with this PrefixList on SignedInfo's CanonicalizationMethod.</summary>
    public string? SignedInfoPrefixList { get; set; }

    /// <summary>Inserts the skeleton into the assertion (the document element), right after its Issuer.</summary>
    public XmlElement InsertInto(XmlDocument document)
    {
        var assertion = document.DocumentElement!;
        var signature = Element(document, "Signature");
        var signedInfo = Append(signature, "SignedInfo");
        var canonicalization = Append(signedInfo, "CanonicalizationMethod");
        canonicalization.SetAttribute("Algorithm", SignedXml.XmlDsigExcC14NTransformUrl);
        AppendInclusiveNamespaces(canonicalization, SignedInfoPrefixList);
        Append(signedInfo, "SignatureMethod").SetAttribute("Algorithm", SignatureAlgorithm);

        var reference = Append(signedInfo, "Reference");
        var saml11 = assertion.NamespaceURI == Saml11AssertionBuilder.AssertionNs;
        reference.SetAttribute("URI", "#" + assertion.GetAttribute(saml11 ? "AssertionID" : "ID"));
        var transforms = Append(reference, "Transforms");
        Append(transforms, "Transform").SetAttribute("Algorithm", SignedXml.XmlDsigEnvelopedSignatureTransformUrl);
        var c14n = Append(transforms, "Transform");
        c14n.SetAttribute("Algorithm", SignedXml.XmlDsigExcC14NTransformUrl);
        AppendInclusiveNamespaces(c14n, ReferencePrefixList);
        Append(reference, "DigestMethod").SetAttribute("Algorithm", DigestAlgorithm);
        Append(reference, "DigestValue");
        Append(signature, "SignatureValue");

        if (saml11)
        {
            // The SAML 1.1 schema puts the signature last, as AD FS writes it.
            assertion.AppendChild(signature);
            return signature;
        }

        var issuer = assertion.ChildNodes.OfType<XmlElement>()
            .First(e => e.LocalName == "Issuer" && e.NamespaceURI == Saml2AssertionBuilder.AssertionNs);
        assertion.InsertAfter(signature, issuer);
        return signature;
    }

    private XmlElement Element(XmlDocument document, string localName) =>
        document.CreateElement(Prefix, localName, Saml2AssertionBuilder.DsigNs);

    private XmlElement Append(XmlElement parent, string localName) =>
        (XmlElement)parent.AppendChild(Element(parent.OwnerDocument, localName))!;

    private static void AppendInclusiveNamespaces(XmlElement parent, string? prefixList)
    {
        if (prefixList is not null)
        {
            var inclusiveNamespaces = parent.OwnerDocument.CreateElement("ec", "InclusiveNamespaces", ExclusiveC14NNamespace);
            inclusiveNamespaces.SetAttribute("PrefixList", prefixList);
            parent.AppendChild(inclusiveNamespaces);
        }
    }
}
