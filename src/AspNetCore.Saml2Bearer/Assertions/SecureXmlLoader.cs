using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Loads untrusted XML: no DTD, no resolver, a character cap, a depth cap checked on every node as it is
/// read (so no node beyond it is ever built, and nothing recursive runs before the whole document has
/// passed), whitespace preserved exactly as the signer saw it. One pass over the input.
/// </summary>
internal static class SecureXmlLoader
{
    public static XmlDocument? Load(byte[] xml, Saml2AssertionValidationParameters parameters, out Saml2AssertionFailureReason failureReason) =>
        Load(
            new MemoryStream(xml, writable: false),
            parameters.MaximumDecodedLength,
            parameters.MaximumElementDepth,
            Saml2AssertionFailureReason.MalformedXml,
            Saml2AssertionFailureReason.DepthExceeded,
            out failureReason);

    /// <summary>
    /// Loads <paramref name="input"/> (which is disposed) under these rules; the caller names the reason of
    /// each failure: <paramref name="malformed"/> for XML that is not well-formed, holds a DTD or is over
    /// <paramref name="maximumCharacters"/>, <paramref name="tooDeep"/> for nesting beyond <paramref name="maximumDepth"/>.
    /// </summary>
    public static XmlDocument? Load(
        Stream input,
        long maximumCharacters,
        int maximumDepth,
        Saml2AssertionFailureReason malformed,
        Saml2AssertionFailureReason tooDeep,
        out Saml2AssertionFailureReason failureReason)
    {
        try
        {
            var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            using (var reader = new DepthLimitingXmlReader(XmlReader.Create(input, CreateReaderSettings(maximumCharacters, document.NameTable)), maximumDepth))
            {
                // XmlDocument.Load builds the tree iteratively, node by node as the reader hands them over.
                document.Load(reader);
                if (reader.DepthExceeded)
                {
                    failureReason = tooDeep;
                    return null;
                }
            }

            failureReason = Saml2AssertionFailureReason.None;
            return document;
        }
        catch (XmlException)
        {
            failureReason = malformed;
            return null;
        }
    }

    /// <summary>
    /// The reader settings every untrusted document (assertions, IdP metadata) is parsed with: DTDs
    /// prohibited, no resolver, at most <paramref name="maximumCharacters"/> characters. Names are atomized
    /// in <paramref name="nameTable"/> when given (the name table of the document being loaded, which
    /// would otherwise atomize every name a second time).
    /// </summary>
    public static XmlReaderSettings CreateReaderSettings(long maximumCharacters, XmlNameTable? nameTable = null) => new()
    {
        NameTable = nameTable,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maximumCharacters,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = false,
        IgnoreWhitespace = false,
        IgnoreProcessingInstructions = false,
        ConformanceLevel = ConformanceLevel.Document,
        CloseInput = true,
    };
}
