using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Loads untrusted XML: no DTD, no resolver, a character cap, a depth cap checked in a streaming pass
/// before the document is built, whitespace preserved exactly as the signer saw it.
/// </summary>
internal static class SecureXmlLoader
{
    public static XmlDocument? Load(byte[] xml, Saml2AssertionValidationParameters parameters, out Saml2AssertionFailureReason failureReason)
    {
        var settings = CreateReaderSettings(parameters.MaximumDecodedLength);

        try
        {
            using (var scan = XmlReader.Create(new MemoryStream(xml, writable: false), settings))
            {
                while (scan.Read())
                {
                    if (scan.Depth >= parameters.MaximumElementDepth)
                    {
                        failureReason = Saml2AssertionFailureReason.DepthExceeded;
                        return null;
                    }
                }
            }

            var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            using (var reader = XmlReader.Create(new MemoryStream(xml, writable: false), settings))
            {
                document.Load(reader);
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
    /// prohibited, no resolver, at most <paramref name="maximumCharacters"/> characters.
    /// </summary>
    public static XmlReaderSettings CreateReaderSettings(long maximumCharacters) => new()
    {
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
