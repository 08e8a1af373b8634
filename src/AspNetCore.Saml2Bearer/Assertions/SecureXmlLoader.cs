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
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = parameters.MaximumDecodedLength,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = false,
            IgnoreWhitespace = false,
            IgnoreProcessingInstructions = false,
            ConformanceLevel = ConformanceLevel.Document,
            CloseInput = true,
        };

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
}
