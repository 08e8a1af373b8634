using System.Globalization;
using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// The envelope S of the SOAP rows (69–80) and its malicious variants, built from a signed assertion V
/// with <see cref="SoapEnvelopeBuilder"/>: one <c>wsse:Security</c> header holding V, namespaces
/// declared on the Envelope only.
/// </summary>
public static class SoapEnvelopes
{
    public const string OtherActor = "https://intermediary.example.com/firewall";
    public const string Soap11Next = "http://schemas.xmlsoap.org/soap/actor/next";
    public const string Soap12UltimateReceiver = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver";
    public const string Soap12Next = "http://www.w3.org/2003/05/soap-envelope/role/next";
    public const string BodyText = "<m:GetOrders xmlns:m=\"urn:example:orders\"><m:Customer>42</m:Customer></m:GetOrders>";

    public static SoapEnvelopeBuilder New(bool soap12) => soap12 ? SoapEnvelopeBuilder.Soap12() : SoapEnvelopeBuilder.Soap11();

    /// <summary>S: V in the one Security header, an application payload in the Body.</summary>
    public static SoapEnvelopeBuilder Valid(bool soap12, XmlDocument v, string? actor = null)
    {
        var envelope = New(soap12);
        envelope.AddAssertion(envelope.AddSecurityHeader(actor), v);
        AddPayload(envelope);
        return envelope;
    }

    public static void AddPayload(SoapEnvelopeBuilder envelope)
    {
        var fragment = envelope.Document.CreateDocumentFragment();
        fragment.InnerXml = BodyText;
        envelope.Body.AppendChild(fragment);
    }

    /// <summary>A copy of V with the attacker's NameID (and the same ID): an unsigned change.</summary>
    public static XmlDocument EvilCopy(XmlDocument v)
    {
        var evil = MaliciousAssertions.Clone(v);
        MaliciousAssertions.Saml(evil, "NameID").InnerText = MaliciousAssertions.EvilNameId;
        return evil;
    }

    public static string Text(SoapEnvelopeBuilder envelope) => envelope.Document.OuterXml;

    public static string WithDoctype(SoapEnvelopeBuilder envelope) =>
        "<!DOCTYPE soap:Envelope [<!ELEMENT soap:Envelope ANY>]>" + Text(envelope);

    public static string WithExternalEntity(SoapEnvelopeBuilder envelope, Uri uri) =>
        $"<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM \"{uri}\">]>"
        + Text(envelope).Replace("<m:Customer>42</m:Customer>", "<m:Customer>&xxe;</m:Customer>", StringComparison.Ordinal);

    public static string WithBillionLaughs(SoapEnvelopeBuilder envelope)
    {
        var dtd = new StringBuilder("<!DOCTYPE soap:Envelope [<!ENTITY lol0 \"lol\">");
        for (var i = 1; i <= 9; i++)
        {
            dtd.Append(CultureInfo.InvariantCulture, $"<!ENTITY lol{i} \"");
            for (var j = 0; j < 10; j++)
            {
                dtd.Append(CultureInfo.InvariantCulture, $"&lol{i - 1};");
            }

            dtd.Append("\">");
        }

        return dtd + "]>" + Text(envelope).Replace("<m:Customer>42</m:Customer>", "<m:Customer>&lol9;</m:Customer>", StringComparison.Ordinal);
    }

    /// <summary>S with <paramref name="depth"/> nested elements in the Body.</summary>
    public static string WithDeepNesting(SoapEnvelopeBuilder envelope, int depth)
    {
        var nested = new StringBuilder(depth * 8);
        nested.Insert(0, "<a>", depth).Insert(nested.Length, "</a>", depth);
        return Text(envelope).Replace("<m:Customer>42</m:Customer>", "<m:Customer>" + nested + "</m:Customer>", StringComparison.Ordinal);
    }

    public static byte[] Bytes(string text) => new UTF8Encoding(false).GetBytes(text);
}
