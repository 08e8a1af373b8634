using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using Microsoft.IdentityModel.Protocols;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Reads SAML 2.0 metadata (an <c>md:EntityDescriptor</c>, or an <c>md:EntitiesDescriptor</c> holding the
/// wanted entity) into the signing certificates of an identity provider, for a
/// <see cref="ConfigurationManager{T}"/> to fetch and refresh the way JwtBearer refreshes OpenID Connect
/// metadata.
/// </summary>
/// <remarks>
/// <para>
/// The certificates taken are those of <c>md:IDPSSODescriptor/md:KeyDescriptor</c> elements with
/// <c>use="signing"</c> or no <c>use</c> attribute (never <c>use="encryption"</c>), read from
/// <c>ds:KeyInfo/ds:X509Data/ds:X509Certificate</c>, in an <c>IDPSSODescriptor</c> that supports the
/// SAML 2.0 protocol. Certificates with neither an RSA nor an ECDSA key are skipped.
/// </para>
/// <para>
/// The metadata's own XML signature is <b>not</b> verified: trust in the document comes from where it is
/// read, an HTTPS address of the identity provider or a file the operator placed. Do not point this at
/// plain HTTP or at a location others can write to. <c>validUntil</c> and <c>cacheDuration</c> are not
/// enforced; the refresh intervals of the <see cref="ConfigurationManager{T}"/> decide how long keys live.
/// </para>
/// <para>
/// The document is parsed like an assertion: DTDs prohibited (a <c>DOCTYPE</c> is rejected), no external
/// resolution, and at most <see cref="MaximumDocumentLength"/> characters.
/// </para>
/// </remarks>
public sealed class Saml2MetadataRetriever : IConfigurationRetriever<Saml2IdentityProviderMetadata>
{
    /// <summary>The default <see cref="MaximumDocumentLength"/>: 4 Mi characters.</summary>
    public const int DefaultMaximumDocumentLength = 4 * 1024 * 1024;

    private const string IdpDescriptor = "IDPSSODescriptor";

    /// <summary>Creates a retriever.</summary>
    /// <param name="expectedEntityId">
    /// The <c>entityID</c> wanted. Required to read an <c>EntitiesDescriptor</c>; when set, an
    /// <c>EntityDescriptor</c> for another entity is rejected.
    /// </param>
    public Saml2MetadataRetriever(string? expectedEntityId = null)
    {
        if (expectedEntityId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(expectedEntityId);
        }

        ExpectedEntityId = expectedEntityId;
    }

    /// <summary>The <c>entityID</c> wanted, or <see langword="null"/> to take the one <c>EntityDescriptor</c>.</summary>
    public string? ExpectedEntityId { get; }

    /// <summary>
    /// The longest metadata document accepted, in characters. Default: 4 Mi. Raise it for a large
    /// federation aggregate. This caps parsing; to cap the download too, give the
    /// <see cref="HttpClient"/> a <see cref="HttpClient.MaxResponseContentBufferSize"/>.
    /// </summary>
    public int MaximumDocumentLength { get; set; } = DefaultMaximumDocumentLength;

    /// <summary>
    /// Creates the <see cref="ConfigurationManager{T}"/> that fetches an identity provider's metadata and
    /// refreshes it: every <see cref="Microsoft.IdentityModel.Tokens.BaseConfigurationManager.AutomaticRefreshInterval"/>
    /// (default 12 hours), and when an assertion is signed with a key it does not know, at most once per
    /// <see cref="Microsoft.IdentityModel.Tokens.BaseConfigurationManager.RefreshInterval"/> (default 5 minutes).
    /// Both can be set on the result.
    /// </summary>
    /// <param name="entityId">The identity provider's entity ID; the metadata must describe it.</param>
    /// <param name="metadataAddress">
    /// An <c>https://</c> address (read with <see cref="HttpDocumentRetriever"/>), or a file path or
    /// <c>file://</c> URI (read with <see cref="FileDocumentRetriever"/>).
    /// </param>
    /// <param name="httpClient">The client for an HTTP address; by default a shared client of Microsoft.IdentityModel.</param>
    /// <param name="requireHttps">
    /// Whether an HTTP address must be HTTPS. Default: <see langword="true"/>. The metadata is not
    /// signature-checked, so turn this off only for local development.
    /// </param>
    /// <returns>The configuration manager, to assign to <see cref="Saml2IdentityProvider.MetadataManager"/>.</returns>
    /// <exception cref="ArgumentException">The address is neither HTTPS (when required), HTTP, nor a file.</exception>
    public static ConfigurationManager<Saml2IdentityProviderMetadata> CreateConfigurationManager(
        string entityId,
        string metadataAddress,
        HttpClient? httpClient = null,
        bool requireHttps = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entityId);
        ArgumentException.ThrowIfNullOrWhiteSpace(metadataAddress);
        var retriever = new Saml2MetadataRetriever(entityId);

        if (Uri.TryCreate(metadataAddress, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            var isHttps = string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase);
            var isHttp = string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase);
            if (!isHttps && !(isHttp && !requireHttps))
            {
                throw new ArgumentException(
                    isHttp
                        ? $"The metadata address '{metadataAddress}' is not HTTPS. Metadata is trusted because of where it is read from; use HTTPS (requireHttps: false is for local development only)."
                        : $"The metadata address '{metadataAddress}' is neither an HTTPS address nor a file path.",
                    nameof(metadataAddress));
            }

            var documentRetriever = httpClient is null ? new HttpDocumentRetriever() : new HttpDocumentRetriever(httpClient);
            documentRetriever.RequireHttps = requireHttps;
            return new ConfigurationManager<Saml2IdentityProviderMetadata>(metadataAddress, retriever, documentRetriever);
        }

        var path = uri is not null ? uri.LocalPath : Path.GetFullPath(metadataAddress);
        return new ConfigurationManager<Saml2IdentityProviderMetadata>(path, retriever, new FileDocumentRetriever());
    }

    /// <summary>Fetches the metadata document with <paramref name="retriever"/> and reads it.</summary>
    /// <param name="address">The metadata address or file path.</param>
    /// <param name="retriever">The document retriever.</param>
    /// <param name="cancel">Cancels the retrieval.</param>
    /// <returns>The identity provider's entity ID and signing certificates.</returns>
    /// <exception cref="InvalidOperationException">
    /// The document is too large, not well-formed, has a DTD, does not describe the expected entity, has
    /// no SAML 2.0 <c>IDPSSODescriptor</c>, or has no usable signing certificate.
    /// </exception>
    public async Task<Saml2IdentityProviderMetadata> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        ArgumentNullException.ThrowIfNull(retriever);
        var document = await retriever.GetDocumentAsync(address, cancel).ConfigureAwait(false);
        return Read(document, address);
    }

    /// <summary>Reads a metadata document; <paramref name="source"/> names it in error messages.</summary>
    internal Saml2IdentityProviderMetadata Read(string? metadataXml, string source)
    {
        if (string.IsNullOrEmpty(metadataXml))
        {
            throw new InvalidOperationException($"The SAML metadata from '{source}' is empty.");
        }

        if (metadataXml.Length > MaximumDocumentLength)
        {
            throw new InvalidOperationException(
                $"The SAML metadata from '{source}' is longer than {nameof(MaximumDocumentLength)} ({MaximumDocumentLength} characters).");
        }

        var entity = FindEntity(Load(metadataXml, source), source);
        var entityId = entity.GetAttribute("entityID");
        var descriptors = ChildElements(entity, Saml2Constants.MetadataNamespace, IdpDescriptor)
            .Where(SupportsSaml2)
            .ToList();
        if (descriptors.Count == 0)
        {
            throw new InvalidOperationException(
                $"The SAML metadata from '{source}' has no {IdpDescriptor} supporting SAML 2.0 for entity '{entityId}': it does not describe an identity provider.");
        }

        var certificates = descriptors
            .SelectMany(d => ChildElements(d, Saml2Constants.MetadataNamespace, "KeyDescriptor"))
            .Where(IsForSigning)
            .SelectMany(k => ChildElements(k, Saml2Constants.XmlDsigNamespace, "KeyInfo"))
            .SelectMany(k => ChildElements(k, Saml2Constants.XmlDsigNamespace, "X509Data"))
            .SelectMany(x => ChildElements(x, Saml2Constants.XmlDsigNamespace, "X509Certificate"))
            .Select(c => ReadCertificate(c, source, entityId))
            .Where(HasSupportedKey)
            .ToList();
        if (certificates.Count == 0)
        {
            throw new InvalidOperationException(
                $"The SAML metadata from '{source}' has no signing certificate for entity '{entityId}': expected an {IdpDescriptor}/KeyDescriptor with use=\"signing\" (or no use) holding a ds:X509Certificate with an RSA or ECDSA key.");
        }

        return new Saml2IdentityProviderMetadata(entityId, certificates);
    }

    private XmlDocument Load(string metadataXml, string source)
    {
        try
        {
            var document = new XmlDocument { XmlResolver = null };
            using var reader = XmlReader.Create(new StringReader(metadataXml), SecureXmlLoader.CreateReaderSettings(MaximumDocumentLength));
            document.Load(reader);
            return document;
        }
        catch (XmlException ex)
        {
            throw new InvalidOperationException(
                $"The SAML metadata from '{source}' is not well-formed XML or has a DTD (DOCTYPE), which is not allowed.", ex);
        }
    }

    private XmlElement FindEntity(XmlDocument document, string source)
    {
        var root = document.DocumentElement!;
        if (IsMetadataElement(root, "EntityDescriptor"))
        {
            var entityId = root.GetAttribute("entityID");
            if (string.IsNullOrEmpty(entityId))
            {
                throw new InvalidOperationException($"The SAML metadata from '{source}' has an EntityDescriptor without an entityID.");
            }

            if (ExpectedEntityId is not null && !string.Equals(entityId, ExpectedEntityId, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"The SAML metadata from '{source}' describes entity '{entityId}', not the expected '{ExpectedEntityId}'.");
            }

            return root;
        }

        if (!IsMetadataElement(root, "EntitiesDescriptor"))
        {
            throw new InvalidOperationException(
                $"The SAML metadata from '{source}' is neither an md:EntityDescriptor nor an md:EntitiesDescriptor.");
        }

        if (ExpectedEntityId is null)
        {
            throw new InvalidOperationException(
                $"The SAML metadata from '{source}' is an EntitiesDescriptor: the entity ID of the identity provider to read from it must be given.");
        }

        var matches = root.GetElementsByTagName("EntityDescriptor", Saml2Constants.MetadataNamespace)
            .OfType<XmlElement>()
            .Where(e => string.Equals(e.GetAttribute("entityID"), ExpectedEntityId, StringComparison.Ordinal))
            .Take(2)
            .ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new InvalidOperationException($"The SAML metadata from '{source}' has no EntityDescriptor for entity '{ExpectedEntityId}'."),
            _ => throw new InvalidOperationException($"The SAML metadata from '{source}' has several EntityDescriptors for entity '{ExpectedEntityId}'."),
        };
    }

    private static X509Certificate2 ReadCertificate(XmlElement element, string source, string entityId)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(element.InnerText));
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            throw new InvalidOperationException(
                $"The SAML metadata from '{source}' has a ds:X509Certificate for entity '{entityId}' that is not a valid base64 DER certificate.", ex);
        }
    }

    private static bool HasSupportedKey(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return true;
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        return ecdsa is not null;
    }

    private static bool SupportsSaml2(XmlElement descriptor) =>
        descriptor.GetAttribute("protocolSupportEnumeration")
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Contains(Saml2Constants.ProtocolNamespace, StringComparer.Ordinal);

    private static bool IsForSigning(XmlElement keyDescriptor) =>
        !keyDescriptor.HasAttribute("use") || string.Equals(keyDescriptor.GetAttribute("use"), "signing", StringComparison.Ordinal);

    private static bool IsMetadataElement(XmlElement element, string localName) =>
        string.Equals(element.LocalName, localName, StringComparison.Ordinal)
        && string.Equals(element.NamespaceURI, Saml2Constants.MetadataNamespace, StringComparison.Ordinal);

    private static IEnumerable<XmlElement> ChildElements(XmlElement parent, string namespaceUri, string localName) =>
        parent.ChildNodes.OfType<XmlElement>().Where(e =>
            string.Equals(e.LocalName, localName, StringComparison.Ordinal)
            && string.Equals(e.NamespaceURI, namespaceUri, StringComparison.Ordinal));
}
