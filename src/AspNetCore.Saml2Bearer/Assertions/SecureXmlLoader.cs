using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Loads untrusted XML: no DTD, no resolver, a character cap, a depth cap checked on every node as it is
/// read (so no node beyond it is ever built, and nothing recursive runs before the whole document has
/// passed), whitespace preserved exactly as the signer saw it. One pass over the input.
/// </summary>
internal static class SecureXmlLoader
{
    public static XmlDocument? Load(byte[] xml, Saml2AssertionValidationParameters parameters, out Saml2AssertionFailureReason failureReason)
    {
        try
        {
            var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            using (var reader = new DepthLimitingXmlReader(
                XmlReader.Create(new MemoryStream(xml, writable: false), CreateReaderSettings(parameters.MaximumDecodedLength, document.NameTable)),
                parameters.MaximumElementDepth))
            {
                // XmlDocument.Load builds the tree iteratively, node by node as the reader hands them over.
                document.Load(reader);
                if (reader.DepthExceeded)
                {
                    failureReason = Saml2AssertionFailureReason.DepthExceeded;
                    return null;
                }
            }

            failureReason = Saml2AssertionFailureReason.None;
            return document;
        }
        catch (XmlException)
        {
            failureReason = Saml2AssertionFailureReason.MalformedXml;
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
