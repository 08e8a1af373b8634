using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// Turns a valid signed assertion V into the malicious variants of SECURITY-CASES.md: signature
/// wrapping (the SAML Raider XSW catalogue), signature-structure tampering, namespace tricks, and the
/// byte-level payloads aimed at the parser and the decoder. Every helper works on a copy; V is never
/// changed.
/// </summary>
public static class MaliciousAssertions
{
    /// <summary>A namespace the attacker invents for wrapper and holder elements.</summary>
    public const string AttackerNs = "urn:example:attacker";

    /// <summary>The subject an attacker wants to be: what every evil copy claims.</summary>
    public const string EvilNameId = "admin@example.com";

    public const string XsiNs = "http://www.w3.org/2001/XMLSchema-instance";

    public static XmlDocument Clone(XmlDocument document)
    {
        var copy = new XmlDocument { PreserveWhitespace = true };
        copy.LoadXml(document.OuterXml);
        return copy;
    }

    /// <summary>The first <c>ds:Signature</c> in document order.</summary>
    public static XmlElement Signature(XmlDocument document) =>
        (XmlElement)document.GetElementsByTagName("Signature", Saml2AssertionBuilder.DsigNs)[0]!;

    /// <summary>The first descendant of <paramref name="scope"/> with the XML-DSig name <paramref name="localName"/>.</summary>
    public static XmlElement Dsig(XmlNode scope, string localName) =>
        Descendant(scope, localName, Saml2AssertionBuilder.DsigNs);

    /// <summary>The first descendant of <paramref name="scope"/> with the SAML assertion name <paramref name="localName"/>.</summary>
    public static XmlElement Saml(XmlNode scope, string localName) =>
        Descendant(scope, localName, Saml2AssertionBuilder.AssertionNs);

    private static XmlElement Descendant(XmlNode scope, string localName, string ns)
    {
        var list = scope is XmlDocument document
            ? document.GetElementsByTagName(localName, ns)
            : ((XmlElement)scope).GetElementsByTagName(localName, ns);
        return (XmlElement)(list[0] ?? throw new InvalidOperationException($"No {localName} in the test document."));
    }

    /// <summary>
    /// A copy of <paramref name="assertion"/> without its signature, with a new ID and the attacker's
    /// NameID: the unsigned content a wrapping attack wants the relying party to read.
    /// </summary>
    public static XmlElement EvilCopy(XmlElement assertion, string? newId = "_evil")
    {
        var copy = (XmlElement)assertion.CloneNode(deep: true);
        foreach (var signature in copy.GetElementsByTagName("Signature", Saml2AssertionBuilder.DsigNs).Cast<XmlElement>().ToList())
        {
            signature.ParentNode!.RemoveChild(signature);
        }

        if (newId is not null)
        {
            copy.SetAttribute("ID", newId);
        }

        Saml(copy, "NameID").InnerText = EvilNameId;
        return copy;
    }

    /// <summary>A copy of <paramref name="assertion"/> without its signature, content and ID unchanged.</summary>
    public static XmlElement CleanCopy(XmlElement assertion)
    {
        var copy = (XmlElement)assertion.CloneNode(deep: true);
        var signature = Dsig(copy, "Signature");
        signature.ParentNode!.RemoveChild(signature);
        return copy;
    }

    /// <summary>
    /// XSW3: a wrapper root holding an evil unsigned copy (new ID) before the untouched signed original.
    /// </summary>
    public static XmlDocument Xsw3(XmlDocument v, string wrapperNamespace, string wrapperName)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        var wrapper = document.CreateElement("w", wrapperName, wrapperNamespace);
        document.AppendChild(wrapper);
        var original = (XmlElement)document.ImportNode(v.DocumentElement!, deep: true);
        wrapper.AppendChild(EvilCopy(original));
        wrapper.AppendChild(original);
        return document;
    }

    /// <summary>XSW4: an evil assertion (new ID, no signature) is the root; the signed original is its last child.</summary>
    public static XmlDocument Xsw4(XmlDocument v)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        var original = (XmlElement)document.ImportNode(v.DocumentElement!, deep: true);
        var evil = EvilCopy(original);
        document.AppendChild(evil);
        evil.AppendChild(original);
        return document;
    }

    /// <summary>
    /// XSW5: the root is the evil assertion (new ID, attacker NameID) that keeps the original
    /// ds:Signature; an unsigned clean copy with the original ID is appended to it.
    /// </summary>
    public static XmlDocument Xsw5(XmlDocument v)
    {
        var document = Clone(v);
        var root = document.DocumentElement!;
        var clean = CleanCopy(root);
        root.SetAttribute("ID", "_evil");
        Saml(root, "NameID").InnerText = EvilNameId;
        root.AppendChild(clean);
        return document;
    }

    /// <summary>XSW6: as XSW5, but the clean copy is placed inside the evil assertion's ds:Signature.</summary>
    public static XmlDocument Xsw6(XmlDocument v)
    {
        var document = Clone(v);
        var root = document.DocumentElement!;
        var clean = CleanCopy(root);
        root.SetAttribute("ID", "_evil");
        Saml(root, "NameID").InnerText = EvilNameId;
        Signature(document).AppendChild(clean);
        return document;
    }

    /// <summary>
    /// XSW7: the signed original stays the root; an <c>Extensions</c> element appended to it holds an
    /// evil unsigned copy with the same ID.
    /// </summary>
    public static XmlDocument Xsw7(XmlDocument v)
    {
        var document = Clone(v);
        var root = document.DocumentElement!;
        var extensions = document.CreateElement("samlp", "Extensions", Saml2AssertionBuilder.ProtocolNs);
        extensions.AppendChild(EvilCopy(root, newId: null));
        root.AppendChild(extensions);
        return document;
    }

    /// <summary>
    /// XSW8: the root is the evil assertion (same ID, attacker NameID) keeping the signature; the clean
    /// copy with the same ID sits in a <c>ds:Object</c> inside that signature.
    /// </summary>
    public static XmlDocument Xsw8(XmlDocument v)
    {
        var document = Clone(v);
        var root = document.DocumentElement!;
        var clean = CleanCopy(root);
        Saml(root, "NameID").InnerText = EvilNameId;
        var dsObject = document.CreateElement("Object", Saml2AssertionBuilder.DsigNs);
        dsObject.AppendChild(clean);
        Signature(document).AppendChild(dsObject);
        return document;
    }

    /// <summary>A <c>samlp:Response</c> holding the signed assertion, itself signed with <paramref name="key"/>.</summary>
    public static XmlDocument SignedResponse(XmlDocument signedAssertion, TestSigningKey key, string responseId = "_response")
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        var response = document.CreateElement("samlp", "Response", Saml2AssertionBuilder.ProtocolNs);
        response.SetAttribute("ID", responseId);
        response.SetAttribute("Version", "2.0");
        response.SetAttribute("IssueInstant", signedAssertion.DocumentElement!.GetAttribute("IssueInstant"));
        document.AppendChild(response);
        response.AppendChild(document.ImportNode(signedAssertion.DocumentElement!, deep: true));
        Saml2AssertionBuilder.Sign(document, key);
        return document;
    }

    /// <summary>
    /// XSW1 (<paramref name="detached"/> false) and XSW2 (true): an evil Response (new ID, evil unsigned
    /// assertion) carries the signed Response's ds:Signature; a copy of the signed Response sits inside
    /// that signature (XSW1) or before it (XSW2).
    /// </summary>
    public static XmlDocument ResponseWrapping(XmlDocument signedResponse, bool detached)
    {
        var document = Clone(signedResponse);
        var evilResponse = document.DocumentElement!;
        var originalCopy = (XmlElement)evilResponse.CloneNode(deep: true);
        evilResponse.SetAttribute("ID", "_evil-response");
        var assertion = Saml(evilResponse, "Assertion");
        evilResponse.ReplaceChild(EvilCopy(assertion), assertion);
        var signature = evilResponse.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Signature");
        if (detached)
        {
            evilResponse.InsertBefore(originalCopy, signature);
        }
        else
        {
            signature.AppendChild(originalCopy);
        }

        return document;
    }

    /// <summary>
    /// Recomputes the SignatureValue over the current SignedInfo with <paramref name="key"/> (RSA,
    /// SHA-256, exclusive c14n), the way a trusted identity provider would have: the variant is then
    /// cryptographically valid, so only the structural rule under test can reject it.
    /// </summary>
    public static void ResignSignedInfo(XmlElement signature, TestSigningKey key)
    {
        var signedInfo = Dsig(signature, "SignedInfo");
        var document = new XmlDocument { PreserveWhitespace = true };
        document.AppendChild(document.ImportNode(signedInfo, deep: true));
        var c14n = new XmlDsigExcC14NTransform();
        c14n.LoadInput(document);
        using var canonical = (Stream)c14n.GetOutput(typeof(Stream));
        using var buffer = new MemoryStream();
        canonical.CopyTo(buffer);
        var rsa = (RSA)key.PrivateKey;
        var value = rsa.SignData(buffer.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Dsig(signature, "SignatureValue").InnerText = Convert.ToBase64String(value);
    }

    /// <summary>Creates a <c>ds:Transform</c> with <paramref name="algorithm"/> and optional raw child XML.</summary>
    public static XmlElement Transform(XmlDocument document, string algorithm, string? innerXml = null)
    {
        var transform = document.CreateElement("Transform", Saml2AssertionBuilder.DsigNs);
        transform.SetAttribute("Algorithm", algorithm);
        if (innerXml is not null)
        {
            transform.InnerXml = innerXml;
        }

        return transform;
    }

    /// <summary>Replaces the reference's transform at <paramref name="index"/> (0 enveloped, 1 exc c14n).</summary>
    public static void ReplaceTransform(XmlDocument document, int index, XmlElement transform)
    {
        var transforms = Dsig(document, "Transforms");
        var old = transforms.ChildNodes.OfType<XmlElement>().ElementAt(index);
        transforms.ReplaceChild(transform, old);
    }

    /// <summary>Re-indents the whole signed document, or everything but its ds:Signature.</summary>
    public static XmlDocument PrettyPrint(XmlDocument v, bool keepSignatureIntact)
    {
        var loose = new XmlDocument { PreserveWhitespace = false };
        loose.LoadXml(v.OuterXml);
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, IndentChars = "  ", OmitXmlDeclaration = true }))
        {
            loose.Save(writer);
        }

        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(text.ToString());
        if (keepSignatureIntact)
        {
            var indented = Signature(document);
            indented.ParentNode!.ReplaceChild(document.ImportNode(Signature(v), deep: true), indented);
        }

        return document;
    }

    /// <summary>Splits the NameID text after <paramref name="prefixLength"/> characters with an empty comment.</summary>
    public static void SpliceCommentIntoNameId(XmlDocument document, int prefixLength)
    {
        var nameId = Saml(document, "NameID");
        var text = nameId.InnerText;
        while (nameId.FirstChild is { } child)
        {
            nameId.RemoveChild(child);
        }

        nameId.AppendChild(document.CreateTextNode(text[..prefixLength]));
        nameId.AppendChild(document.CreateComment(string.Empty));
        nameId.AppendChild(document.CreateTextNode(text[prefixLength..]));
    }

    /// <summary>Sets a date-time attribute with full tick precision (the builder writes milliseconds).</summary>
    public static void SetPreciseTime(XmlElement element, string attribute, DateTimeOffset value) =>
        element.SetAttribute(attribute, value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));

    /// <summary>Appends a <c>saml:Condition</c> with an <c>xsi:type</c> the validator cannot know.</summary>
    public static void AddCustomCondition(XmlDocument document)
    {
        var conditions = Saml(document, "Conditions");
        var condition = document.CreateElement("saml", "Condition", Saml2AssertionBuilder.AssertionNs);
        var type = document.CreateAttribute("xsi", "type", XsiNs);
        type.Value = "atk:AlwaysTrue";
        condition.Attributes.Append(type);
        condition.SetAttribute("xmlns:atk", AttackerNs);
        conditions.AppendChild(condition);
    }

    /// <summary>UTF-8 bytes of the document as serialised.</summary>
    public static string Xml(XmlDocument document) => document.OuterXml;

    public static string Base64(string xml) => Convert.ToBase64String(Encoding.UTF8.GetBytes(xml));

    /// <summary>Raw DEFLATE (RFC 1951) of <paramref name="data"/>, as Apache CXF sends it.</summary>
    public static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal))
        {
            deflate.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// A DEFLATE bomb: <paramref name="inflatedLength"/> bytes of one XML-looking document that
    /// compresses a thousandfold.
    /// </summary>
    public static string DeflateBomb(int inflatedLength)
    {
        var data = new byte[inflatedLength];
        "<saml:Assertion>"u8.CopyTo(data);
        data.AsSpan("<saml:Assertion>".Length).Fill((byte)' ');
        return Convert.ToBase64String(Deflate(data));
    }

    /// <summary>The document with a DTD declaring an external entity at <paramref name="uri"/>, used in NameID.</summary>
    public static string WithExternalEntity(XmlDocument v, Uri uri)
    {
        var xml = v.OuterXml.Replace(">alice@example.com</saml:NameID>", ">&xxe;</saml:NameID>", StringComparison.Ordinal);
        return $"<!DOCTYPE saml:Assertion [<!ENTITY xxe SYSTEM \"{uri}\">]>" + xml;
    }

    /// <summary>The document with a DTD whose external parameter entity points at <paramref name="uri"/>.</summary>
    public static string WithExternalParameterEntity(XmlDocument v, Uri uri) =>
        $"<!DOCTYPE saml:Assertion [<!ENTITY % remote SYSTEM \"{uri}\"> %remote;]>" + v.OuterXml;

    /// <summary>The billion laughs: ten levels of tenfold entity expansion, used in NameID.</summary>
    public static string WithBillionLaughs(XmlDocument v)
    {
        var dtd = new StringBuilder("<!DOCTYPE saml:Assertion [<!ENTITY lol0 \"lol\">");
        for (var i = 1; i <= 9; i++)
        {
            dtd.Append(CultureInfo.InvariantCulture, $"<!ENTITY lol{i} \"");
            for (var j = 0; j < 10; j++)
            {
                dtd.Append(CultureInfo.InvariantCulture, $"&lol{i - 1};");
            }

            dtd.Append("\">");
        }

        dtd.Append("]>");
        return dtd + v.OuterXml.Replace(">alice@example.com</saml:NameID>", ">&lol9;</saml:NameID>", StringComparison.Ordinal);
    }

    /// <summary>The document with <paramref name="depth"/> nested elements inside its first AttributeValue.</summary>
    public static string WithDeepNesting(XmlDocument v, int depth)
    {
        var xml = v.OuterXml;
        var at = xml.IndexOf("</saml:AttributeValue>", StringComparison.Ordinal);
        var nested = new StringBuilder(depth * 8);
        nested.Insert(0, "<a>", depth).Insert(nested.Length, "</a>", depth);
        return xml.Insert(at, nested.ToString());
    }
}
