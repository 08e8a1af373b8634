using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// Reads a SOAP 1.1/1.2 envelope the way the OASIS WS-Security SAML Token Profile carries an assertion:
/// exactly one <c>wsse:Security</c> header addressed to this node, holding exactly one <c>saml:Assertion</c>
/// (or <c>saml1:Assertion</c>) as a direct child, which is detached with its in-scope namespaces so the
/// validator sees it as if it had come alone. Nothing in the Body, in other headers or in a Security
/// header for another actor is ever taken as a credential. No HTTP here: bytes in, result out.
/// </summary>
/// <remarks>
/// One forward-only pass with the validator's discipline (<see cref="SecureXmlLoader"/>'s settings, the
/// depth cap on every node): the envelope's structure is checked as it is read and only the assertion's
/// subtree is built as a document; the Body is scanned for assertions, never built. Every rule is noted
/// where it is met and the outcome decided once the whole envelope has been read, in a fixed order, so a
/// broken or too deep envelope is refused as such wherever the fault lies.
/// </remarks>
internal static class SoapEnvelopeReader
{
    /// <summary>How many levels the envelope adds above the assertion: Envelope, Header, Security.</summary>
    public const int EnvelopeDepth = 3;

    private static readonly XmlWriterSettings EnvelopeWriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = false,
        Indent = false,
        NewLineHandling = NewLineHandling.Entitize,
        ConformanceLevel = ConformanceLevel.Document,
    };

    /// <summary>Reads <paramref name="envelope"/>, which the caller has already held to its size cap.</summary>
    /// <param name="envelope">The request body.</param>
    /// <param name="version">The SOAP version the Content-Type announced.</param>
    /// <param name="maximumCharacters">The most characters the parser reads.</param>
    /// <param name="maximumDepth">The first element depth refused (the Envelope has depth 0).</param>
    public static SoapEnvelopeReadResult Read(ReadOnlyMemory<byte> envelope, SoapVersion version, long maximumCharacters, int maximumDepth)
    {
        var envelopeNamespace = SoapConstants.EnvelopeNamespace(version);
        var utf8 = IsUtf8(envelope.Span);

        // What the pass notes, in the order the outcome is decided.
        bool notAnEnvelope = false, versionMismatch = false, malformed = false, bodySeen = false, headerSeen = false;
        bool assertionInBody = false, nestedAssertion = false, assertionSeen = false;
        var headerFailure = Saml2AssertionFailureReason.None;
        var directChildFailure = Saml2AssertionFailureReason.None;
        int? securityIndex = null;
        XmlDocument? assertionDocument = null;
        byte[]? assertionXml = null;

        // Where the reader is: inside the Header, the Body, or the Security header for this node.
        bool inHeader = false, inBody = false, inSecurity = false;
        var headerEntry = -1;
        var ancestorPrefixes = new List<string>(8);

        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var reader = OpenReader(envelope, document.NameTable, maximumCharacters, maximumDepth);
        if (reader is null)
        {
            return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapEnvelopeMalformed);
        }

        try
        {
            var more = reader.Read();
            while (more)
            {
                var depth = reader.Depth;
                var type = reader.NodeType;
                if (type == XmlNodeType.XmlDeclaration)
                {
                    // Taking the assertion's text from the input needs the input to be UTF-8.
                    var encoding = reader.GetAttribute("encoding");
                    utf8 &= string.IsNullOrEmpty(encoding) || string.Equals(encoding, "utf-8", StringComparison.OrdinalIgnoreCase);
                }
                else if (depth == 0)
                {
                    if (type == XmlNodeType.Element)
                    {
                        notAnEnvelope = reader.LocalName != "Envelope" || reader.NamespaceURI is not (SoapConstants.Soap11Namespace or SoapConstants.Soap12Namespace);
                        versionMismatch = reader.NamespaceURI != envelopeNamespace;
                        if (notAnEnvelope || versionMismatch)
                        {
                            // Nothing else matters now, but the whole input must still be well-formed and within the caps.
                            while (reader.Read())
                            {
                            }

                            break;
                        }

                        AddDeclaredPrefixes(reader, ancestorPrefixes);
                    }
                }
                else if (depth == 1)
                {
                    // SOAP 1.1 section 4 / SOAP 1.2 part 1 section 5: an optional Header first, then exactly one Body.
                    inHeader = inBody = inSecurity = false;
                    if (type == XmlNodeType.Element)
                    {
                        var isSoap = reader.NamespaceURI == envelopeNamespace;
                        if (isSoap && reader.LocalName == "Header" && !headerSeen && !bodySeen)
                        {
                            headerSeen = inHeader = true;
                            AddDeclaredPrefixes(reader, ancestorPrefixes);
                        }
                        else if (isSoap && reader.LocalName == "Body" && !bodySeen)
                        {
                            bodySeen = inBody = true;
                        }
                        else if (version == SoapVersion.Soap12 || !bodySeen || isSoap)
                        {
                            // SOAP 1.1 allows foreign elements after the Body only; SOAP 1.2 none at all.
                            malformed = true;
                        }
                    }
                    else if (type is XmlNodeType.Text or XmlNodeType.CDATA && !string.IsNullOrWhiteSpace(reader.Value))
                    {
                        malformed = true;
                    }
                }
                else if (inBody)
                {
                    // The Body is never a credential, and an assertion in it is refused outright (signature
                    // wrapping across the envelope moves the signed original there).
                    assertionInBody |= type == XmlNodeType.Element && IsAssertion(reader);
                }
                else if (inHeader && depth == 2)
                {
                    inSecurity = false;
                    if (type == XmlNodeType.Element)
                    {
                        headerEntry++;
                        if (reader.LocalName == "Security" && reader.NamespaceURI == SoapConstants.WsseNamespace && IsForThisNode(reader, version))
                        {
                            if (!HasValidMustUnderstand(reader, version))
                            {
                                headerFailure = First(headerFailure, Saml2AssertionFailureReason.SoapInvalidMustUnderstand);
                            }
                            else if (securityIndex is not null)
                            {
                                headerFailure = First(headerFailure, Saml2AssertionFailureReason.SoapMultipleSecurityHeaders);
                            }
                            else
                            {
                                securityIndex = headerEntry;
                                inSecurity = !reader.IsEmptyElement;
                                AddDeclaredPrefixes(reader, ancestorPrefixes);
                            }
                        }
                    }
                }
                else if (inSecurity && depth == EnvelopeDepth && type == XmlNodeType.Element && IsAssertion(reader))
                {
                    if (reader.LocalName == "EncryptedAssertion")
                    {
                        directChildFailure = First(directChildFailure, Saml2AssertionFailureReason.SoapEncryptedAssertion);
                    }
                    else if (assertionSeen)
                    {
                        directChildFailure = First(directChildFailure, Saml2AssertionFailureReason.SoapMultipleAssertions);
                    }
                    else
                    {
                        assertionSeen = true;
                        if (!malformed && !assertionInBody && headerFailure == Saml2AssertionFailureReason.None && directChildFailure == Saml2AssertionFailureReason.None)
                        {
                            // The one subtree built as a document; what lies inside it is the validator's (it refuses a
                            // second assertion there). The reader is left on the next node.
                            XmlElementDetacher.ReadDetached(reader, document, ancestorPrefixes, utf8 ? envelope.Span : default, out var xml);
                            (assertionDocument, assertionXml) = (document, xml);
                            more = reader.ReadState == ReadState.Interactive;
                            continue;
                        }
                    }
                }
                else if (inSecurity && depth > EnvelopeDepth)
                {
                    // Anything else in the Security header that looks like an assertion is wrapped or smuggled.
                    nestedAssertion |= type == XmlNodeType.Element && IsAssertion(reader);
                }

                more = reader.Read();
            }
        }
        catch (XmlException)
        {
            // Not well-formed, a DOCTYPE (prohibited), or more characters than allowed.
            return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapEnvelopeMalformed);
        }

        if (reader.DepthExceeded)
        {
            return SoapEnvelopeReadResult.Reject(Saml2AssertionFailureReason.SoapEnvelopeTooDeep);
        }

        if (notAnEnvelope)
        {
            return new(SoapEnvelopeOutcome.NotAnEnvelope, Saml2AssertionFailureReason.None, null);
        }

        var failure = versionMismatch ? Saml2AssertionFailureReason.SoapVersionMismatch
            : malformed || !bodySeen ? Saml2AssertionFailureReason.SoapEnvelopeMalformed
            : assertionInBody ? Saml2AssertionFailureReason.SoapAssertionInBody
            : headerFailure != Saml2AssertionFailureReason.None ? headerFailure
            : securityIndex is null ? Saml2AssertionFailureReason.None
            : directChildFailure != Saml2AssertionFailureReason.None ? directChildFailure
            : nestedAssertion ? Saml2AssertionFailureReason.SoapAssertionNotDirectChild
            : Saml2AssertionFailureReason.None;
        if (failure != Saml2AssertionFailureReason.None)
        {
            return SoapEnvelopeReadResult.Reject(failure);
        }

        if (assertionDocument is null)
        {
            return new(SoapEnvelopeOutcome.NoAssertion, Saml2AssertionFailureReason.None, null) { SecurityHeaderIndex = securityIndex };
        }

        // The assertion was read with the validator's discipline and its depth cap counted from the
        // assertion (always at EnvelopeDepth), so its document is what the validator's own load of the
        // bytes would build: it is handed over as well and the bytes are not parsed again.
        return new(SoapEnvelopeOutcome.Assertion, Saml2AssertionFailureReason.None, assertionXml)
        {
            AssertionDocument = assertionDocument,
            SecurityHeaderIndex = securityIndex,
        };
    }

    /// <summary>
    /// The envelope without the Security header that is the <paramref name="securityHeaderIndex"/>th element
    /// of its Header (counted from 0, as <see cref="SoapEnvelopeReadResult.SecurityHeaderIndex"/>; the
    /// Header element goes too when that leaves it empty), as UTF-8 bytes: what a backend behind the
    /// gateway receives. <see langword="null"/> when <paramref name="envelope"/> has no such header (it is
    /// not the envelope that was read).
    /// </summary>
    public static byte[]? WithoutSecurityHeader(ReadOnlyMemory<byte> envelope, int securityHeaderIndex, long maximumCharacters, int maximumDepth)
    {
        var document = SecureXmlLoader.Load(
            Open(envelope), maximumCharacters, maximumDepth, Saml2AssertionFailureReason.SoapEnvelopeMalformed, Saml2AssertionFailureReason.SoapEnvelopeTooDeep, out _);
        var header = document?.DocumentElement?.FirstChild;
        while (header is not null and not XmlElement)
        {
            header = header.NextSibling;
        }

        var security = header?.FirstChild;
        for (var index = security is XmlElement ? 0 : -1; security is not null && index < securityHeaderIndex; index += security is XmlElement ? 1 : 0)
        {
            security = security.NextSibling;
        }

        if (header is not XmlElement { LocalName: "Header" } || security is not XmlElement { LocalName: "Security", NamespaceURI: SoapConstants.WsseNamespace }
            || header.NamespaceURI != document!.DocumentElement!.NamespaceURI)
        {
            return null;
        }

        header.RemoveChild(security);
        if (!header.ChildNodes.OfType<XmlElement>().Any())
        {
            header.ParentNode!.RemoveChild(header);
        }

        if (document.FirstChild is XmlDeclaration declaration)
        {
            document.RemoveChild(declaration);
        }

        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, EnvelopeWriterSettings))
        {
            document.Save(writer);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// A reader of <paramref name="envelope"/> under the validator's settings, or <see langword="null"/> when
    /// it refuses the input at once: creating it already reads the first bytes, and an encoding it cannot
    /// decode (a UTF-32 byte order mark, say) throws there, before any node.
    /// </summary>
    private static DepthLimitingXmlReader? OpenReader(ReadOnlyMemory<byte> envelope, XmlNameTable nameTable, long maximumCharacters, int maximumDepth)
    {
        try
        {
            return new DepthLimitingXmlReader(XmlReader.Create(Open(envelope), SecureXmlLoader.CreateReaderSettings(maximumCharacters, nameTable)), maximumDepth);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static MemoryStream Open(ReadOnlyMemory<byte> envelope) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(envelope, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(envelope.ToArray(), writable: false);

    /// <summary>
    /// Whether the input is UTF-8 (a UTF-8 byte order mark, or none and no zero byte where UTF-16 or UTF-32
    /// would put one); an encoding declaration may still say otherwise.
    /// </summary>
    private static bool IsUtf8(ReadOnlySpan<byte> input) =>
        input.StartsWith("\uFEFF"u8)
        || (input.Length >= 2 && input[0] != 0 && input[1] != 0 && !input.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) && !input.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]));

    private static Saml2AssertionFailureReason First(Saml2AssertionFailureReason noted, Saml2AssertionFailureReason reason) =>
        noted == Saml2AssertionFailureReason.None ? reason : noted;

    /// <summary>Adds the prefixes the element the reader is on declares (the default namespace as the empty string); the reader stays on the element.</summary>
    private static void AddDeclaredPrefixes(XmlReader reader, List<string> prefixes)
    {
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                if (reader.NamespaceURI == Saml2Constants.XmlnsNamespace)
                {
                    prefixes.Add(reader.Prefix.Length == 0 ? string.Empty : reader.LocalName);
                }
            }
            while (reader.MoveToNextAttribute());

            reader.MoveToElement();
        }
    }

    /// <summary>SOAP 1.1 <c>actor</c> absent or "next"; SOAP 1.2 <c>role</c> absent, "ultimateReceiver" or "next".</summary>
    private static bool IsForThisNode(XmlReader header, SoapVersion version)
    {
        if (version == SoapVersion.Soap11)
        {
            var actor = header.GetAttribute("actor", SoapConstants.Soap11Namespace);
            return actor is null || actor.Trim() == SoapConstants.Soap11NextActor;
        }

        var role = header.GetAttribute("role", SoapConstants.Soap12Namespace);
        return role is null || role.Trim() is SoapConstants.Soap12UltimateReceiverRole or SoapConstants.Soap12NextRole;
    }

    /// <summary>SOAP 1.1: "0" or "1"; SOAP 1.2: an xs:boolean. Absent is false. This node understands wsse:Security either way.</summary>
    private static bool HasValidMustUnderstand(XmlReader header, SoapVersion version)
    {
        var attribute = header.GetAttribute("mustUnderstand", SoapConstants.EnvelopeNamespace(version));
        if (attribute is null)
        {
            return true;
        }

        var value = attribute.Trim();
        return version == SoapVersion.Soap11
            ? value is "0" or "1"
            : value is "0" or "1" or "true" or "false";
    }

    private static bool IsAssertion(XmlReader element) =>
        (element.LocalName == "Assertion" && element.NamespaceURI is Saml2Constants.AssertionNamespace or SoapConstants.Saml1AssertionNamespace)
        || (element.LocalName == "EncryptedAssertion" && element.NamespaceURI == Saml2Constants.AssertionNamespace);
}
