using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// Builds a SOAP 1.1 or 1.2 envelope the way WS-Security callers send a SAML token (OASIS WSS SAML Token
/// Profile): a <c>wsse:Security</c> header holding the assertion. The namespaces are declared on the
/// Envelope only, as many SOAP stacks write them, so the handler must push them down to validate the
/// assertion. Every part is reachable, to build malicious variants as well.
/// </summary>
public sealed class SoapEnvelopeBuilder
{
    /// <summary>The SOAP 1.1 envelope namespace.</summary>
    public const string Soap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/";

    /// <summary>The SOAP 1.2 envelope namespace.</summary>
    public const string Soap12Namespace = "http://www.w3.org/2003/05/soap-envelope";

    /// <summary>The WS-Security 1.0 <c>wsse</c> namespace.</summary>
    public const string WsseNamespace = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

    /// <summary>The WS-Security utility <c>wsu</c> namespace.</summary>
    public const string WsuNamespace = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

    private SoapEnvelopeBuilder(bool soap12)
    {
        IsSoap12 = soap12;
        Namespace = soap12 ? Soap12Namespace : Soap11Namespace;
        Document = new XmlDocument { PreserveWhitespace = true };
        Envelope = Document.CreateElement("soap", "Envelope", Namespace);
        Document.AppendChild(Envelope);
        Declare("wsse", WsseNamespace);
        Declare("wsu", WsuNamespace);
        Declare("saml", Saml2AssertionBuilder.AssertionNs);
        Declare("ds", Saml2AssertionBuilder.DsigNs);
        Header = (XmlElement)Envelope.AppendChild(Document.CreateElement("soap", "Header", Namespace))!;
        Body = (XmlElement)Envelope.AppendChild(Document.CreateElement("soap", "Body", Namespace))!;
    }

    /// <summary>A SOAP 1.1 envelope with an empty Header and Body.</summary>
    public static SoapEnvelopeBuilder Soap11() => new(soap12: false);

    /// <summary>A SOAP 1.2 envelope with an empty Header and Body.</summary>
    public static SoapEnvelopeBuilder Soap12() => new(soap12: true);

    /// <summary>Whether this is SOAP 1.2.</summary>
    public bool IsSoap12 { get; }

    /// <summary>The envelope namespace of this version.</summary>
    public string Namespace { get; }

    /// <summary>The Content-Type this version is sent with.</summary>
    public string ContentType => IsSoap12 ? "application/soap+xml; charset=utf-8" : "text/xml; charset=utf-8";

    /// <summary>The document being built.</summary>
    public XmlDocument Document { get; }

    /// <summary>The <c>Envelope</c> element.</summary>
    public XmlElement Envelope { get; }

    /// <summary>The <c>Header</c> element.</summary>
    public XmlElement Header { get; }

    /// <summary>The <c>Body</c> element.</summary>
    public XmlElement Body { get; }

    /// <summary>Declares a namespace on the Envelope.</summary>
    /// <param name="prefix">The prefix.</param>
    /// <param name="namespaceUri">The namespace.</param>
    /// <returns>This builder.</returns>
    public SoapEnvelopeBuilder Declare(string prefix, string namespaceUri)
    {
        Envelope.SetAttribute("xmlns:" + prefix, namespaceUri);
        return this;
    }

    /// <summary>Adds a <c>wsse:Security</c> header.</summary>
    /// <param name="actor">The SOAP 1.1 <c>actor</c> or SOAP 1.2 <c>role</c>; none when <see langword="null"/>.</param>
    /// <param name="mustUnderstand">The <c>mustUnderstand</c> value; none when <see langword="null"/>.</param>
    /// <returns>The header element.</returns>
    public XmlElement AddSecurityHeader(string? actor = null, string? mustUnderstand = "1")
    {
        var security = (XmlElement)Header.AppendChild(Document.CreateElement("wsse", "Security", WsseNamespace))!;
        if (actor is not null)
        {
            security.SetAttribute(IsSoap12 ? "role" : "actor", Namespace, actor);
        }

        if (mustUnderstand is not null)
        {
            security.SetAttribute("mustUnderstand", Namespace, mustUnderstand);
        }

        return security;
    }

    /// <summary>Adds an element.</summary>
    /// <param name="parent">Where.</param>
    /// <param name="prefix">Its prefix.</param>
    /// <param name="localName">Its local name.</param>
    /// <param name="namespaceUri">Its namespace.</param>
    /// <returns>The element.</returns>
    public XmlElement AddElement(XmlElement parent, string prefix, string localName, string namespaceUri)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return (XmlElement)parent.AppendChild(Document.CreateElement(prefix, localName, namespaceUri))!;
    }

    /// <summary>
    /// Adds a copy of <paramref name="assertion"/>'s document element under <paramref name="parent"/>,
    /// dropping the namespace declarations the Envelope already makes with the same value.
    /// </summary>
    /// <param name="parent">Where (a Security header, the Body, any element).</param>
    /// <param name="assertion">A signed assertion document.</param>
    /// <returns>The copy in this envelope.</returns>
    public XmlElement AddAssertion(XmlElement parent, XmlDocument assertion)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(assertion);
        var copy = (XmlElement)Document.ImportNode(assertion.DocumentElement!, deep: true);
        foreach (var element in copy.SelectNodes("descendant-or-self::*")!.OfType<XmlElement>())
        {
            foreach (var declaration in element.Attributes.OfType<XmlAttribute>().Where(a => a.Prefix == "xmlns").ToList())
            {
                if (Envelope.GetAttribute("xmlns:" + declaration.LocalName) == declaration.Value)
                {
                    element.Attributes.Remove(declaration);
                }
            }
        }

        parent.AppendChild(copy);
        return copy;
    }

    /// <summary>Adds the assertion a caller would send base64-encoded (e.g. from <see cref="TestSaml2IdentityProvider.IssueAssertion"/>).</summary>
    /// <param name="parent">Where.</param>
    /// <param name="encodedAssertion">The base64 assertion.</param>
    /// <returns>The copy in this envelope.</returns>
    public XmlElement AddAssertion(XmlElement parent, string encodedAssertion)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.LoadXml(Encoding.UTF8.GetString(Convert.FromBase64String(encodedAssertion)));
        return AddAssertion(parent, document);
    }

    /// <summary>The UTF-8 bytes of the envelope, without a byte order mark.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToBytes() => new UTF8Encoding(false).GetBytes(Document.OuterXml);

    /// <summary>The envelope as a request body with this version's Content-Type.</summary>
    /// <returns>The content.</returns>
    public HttpContent ToContent()
    {
        var content = new ByteArrayContent(ToBytes());
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        return content;
    }
}
