using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// Builds SAML 2.0 metadata documents for tests: an EntityDescriptor with an IDPSSODescriptor and its
/// KeyDescriptors, or an EntitiesDescriptor aggregating several entities.
/// </summary>
public sealed class Saml2MetadataBuilder
{
    public const string MetadataNs = "urn:oasis:names:tc:SAML:2.0:metadata";

    public Saml2MetadataBuilder(string entityId = Saml2AssertionBuilder.DefaultIssuer)
    {
        EntityId = entityId;
    }

    public string EntityId { get; set; }

    /// <summary>The protocolSupportEnumeration of the IDPSSODescriptor.</summary>
    public string ProtocolSupport { get; set; } = Saml2AssertionBuilder.ProtocolNs;

    /// <summary>Whether the entity has an IDPSSODescriptor at all (false: an SP-only entity).</summary>
    public bool IncludeIdpDescriptor { get; set; } = true;

    /// <summary>The KeyDescriptors: a certificate and its <c>use</c> attribute (null: no attribute).</summary>
    public List<(X509Certificate2 Certificate, string? Use)> Keys { get; } = [];

    public Saml2MetadataBuilder WithKey(X509Certificate2 certificate, string? use = "signing")
    {
        Keys.Add((certificate, use));
        return this;
    }

    /// <summary>The EntityDescriptor as a document of its own.</summary>
    public string Build()
    {
        var document = new XmlDocument();
        document.AppendChild(BuildEntity(document));
        return document.OuterXml;
    }

    /// <summary>An EntitiesDescriptor holding every entity given.</summary>
    public static string BuildAggregate(params Saml2MetadataBuilder[] entities)
    {
        var document = new XmlDocument();
        var root = document.CreateElement("md", "EntitiesDescriptor", MetadataNs);
        root.SetAttribute("Name", "urn:example:federation");
        document.AppendChild(root);
        foreach (var entity in entities)
        {
            root.AppendChild(entity.BuildEntity(document));
        }

        return document.OuterXml;
    }

    public static byte[] ToUtf8(string xml) => new UTF8Encoding(false).GetBytes(xml);

    private XmlElement BuildEntity(XmlDocument document)
    {
        var entity = document.CreateElement("md", "EntityDescriptor", MetadataNs);
        entity.SetAttribute("entityID", EntityId);
        if (!IncludeIdpDescriptor)
        {
            var sp = document.CreateElement("md", "SPSSODescriptor", MetadataNs);
            sp.SetAttribute("protocolSupportEnumeration", ProtocolSupport);
            AppendKeys(document, sp);
            entity.AppendChild(sp);
            return entity;
        }

        var idp = document.CreateElement("md", "IDPSSODescriptor", MetadataNs);
        idp.SetAttribute("protocolSupportEnumeration", ProtocolSupport);
        AppendKeys(document, idp);
        var sso = document.CreateElement("md", "SingleSignOnService", MetadataNs);
        sso.SetAttribute("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect");
        sso.SetAttribute("Location", EntityId + "/sso");
        idp.AppendChild(sso);
        entity.AppendChild(idp);
        return entity;
    }

    private void AppendKeys(XmlDocument document, XmlElement descriptor)
    {
        foreach (var (certificate, use) in Keys)
        {
            var keyDescriptor = document.CreateElement("md", "KeyDescriptor", MetadataNs);
            if (use is not null)
            {
                keyDescriptor.SetAttribute("use", use);
            }

            var keyInfo = document.CreateElement("ds", "KeyInfo", Saml2AssertionBuilder.DsigNs);
            var x509Data = document.CreateElement("ds", "X509Data", Saml2AssertionBuilder.DsigNs);
            var x509Certificate = document.CreateElement("ds", "X509Certificate", Saml2AssertionBuilder.DsigNs);

            // Wrapped at 64 characters, as IdPs publish it: the reader must ignore the line breaks.
            x509Certificate.InnerText = Convert.ToBase64String(certificate.RawData, Base64FormattingOptions.InsertLineBreaks);
            x509Data.AppendChild(x509Certificate);
            keyInfo.AppendChild(x509Data);
            keyDescriptor.AppendChild(keyInfo);
            descriptor.AppendChild(keyDescriptor);
        }
    }
}
