using System.Security.Cryptography;
using System.Xml;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Decodes and validates SAML 2.0 bearer assertions under RFC 7522 section 3 (and, when
/// <see cref="Saml2AssertionValidationParameters.AllowSaml11"/> is on, SAML 1.1 assertions under the same
/// structural and signature rules and SAML 1.1 core), with the structural rules that stop signature wrapping. Thread-safe; create one per set of parameters and reuse it: keys are
/// extracted once, at construction.
/// </summary>
public sealed class Saml2AssertionValidator
{
    private readonly Saml2AssertionValidationParameters _parameters;
    private readonly Dictionary<string, TrustedIssuer> _issuers;
    private readonly Dictionary<string, string> _issuerByCertificateHash;
    private readonly HashSet<string> _validAudiences;
    private readonly HashSet<string> _validRecipients;
    private readonly ISaml2AssertionReplayStore? _oneTimeUseStore;

    /// <summary>Creates a validator. The parameters are read now; later changes to them are not seen.</summary>
    /// <param name="parameters">What an assertion must satisfy.</param>
    /// <exception cref="InvalidOperationException">The parameters are incomplete or out of range.</exception>
    public Saml2AssertionValidator(Saml2AssertionValidationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        _parameters = parameters;
        _issuers = new Dictionary<string, TrustedIssuer>(StringComparer.Ordinal);
        _issuerByCertificateHash = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var identityProvider in parameters.IdentityProviders)
        {
            var keys = identityProvider.SigningCertificates.Select(c => Saml2SigningKey.Create(identityProvider.EntityId, c)).ToArray();
            _issuers[identityProvider.EntityId] = new TrustedIssuer(keys, identityProvider.MetadataManager);
            foreach (var key in keys)
            {
                _issuerByCertificateHash[Convert.ToHexString(key.CertificateHash)] = identityProvider.EntityId;
            }
        }

        _validAudiences = new HashSet<string>(parameters.ValidAudiences, StringComparer.Ordinal);
        _validRecipients = new HashSet<string>(parameters.ValidRecipients, StringComparer.Ordinal);
        _oneTimeUseStore = parameters.EnforceOneTimeUse ? parameters.ReplayStore : null;
    }

    /// <summary>The parameters this validator was created with.</summary>
    public Saml2AssertionValidationParameters Parameters => _parameters;

    /// <summary>
    /// Decodes an assertion as a caller sent it (base64, base64url, DEFLATE, or raw XML when allowed)
    /// and validates it.
    /// </summary>
    /// <param name="encodedAssertion">The encoded assertion.</param>
    /// <param name="cancellationToken">Cancels a metadata refresh, if one is needed.</param>
    /// <returns>The validated assertion, or the reason it was rejected.</returns>
    public ValueTask<Saml2AssertionValidationResult> ValidateAsync(string encodedAssertion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedAssertion);
        var decoded = Decode(encodedAssertion);
        return decoded.Xml is null
            ? ValueTask.FromResult(Saml2AssertionValidationResult.Failure(decoded.FailureReason))
            : ValidateDecodedAsync(decoded.Xml, cancellationToken);
    }

    /// <summary>Decodes without validating: the first step of <see cref="ValidateAsync"/>.</summary>
    internal Saml2AssertionDecodeResult Decode(ReadOnlySpan<char> encodedAssertion) =>
        Saml2AssertionDecoder.Decode(encodedAssertion, _parameters);

    /// <summary>Validates the XML bytes of an assertion that has already been decoded.</summary>
    /// <param name="assertionXml">The assertion document.</param>
    /// <param name="cancellationToken">Cancels a metadata refresh, if one is needed.</param>
    /// <returns>The validated assertion, or the reason it was rejected.</returns>
    public ValueTask<Saml2AssertionValidationResult> ValidateDecodedAsync(byte[] assertionXml, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertionXml);
        if (assertionXml.Length > _parameters.MaximumDecodedLength)
        {
            return ValueTask.FromResult(Saml2AssertionValidationResult.Failure(Saml2AssertionFailureReason.DecodedSizeExceeded));
        }

        var document = SecureXmlLoader.Load(assertionXml, _parameters, out var reason);
        if (document is null)
        {
            return ValueTask.FromResult(Saml2AssertionValidationResult.Failure(reason));
        }

        return ValidateDocumentAsync(document, cancellationToken);
    }

    /// <summary>
    /// <see cref="ValidateDecodedAsync"/> for an assertion whose document has already been built from
    /// untrusted input with the discipline of <see cref="SecureXmlLoader"/> (no DTD, no resolver, the
    /// character cap, whitespace preserved, and no element at or below
    /// <see cref="Saml2AssertionValidationParameters.MaximumElementDepth"/> counted from its document
    /// element) and that loads back identically from <paramref name="assertionXml"/>: the SOAP reader's
    /// detached assertion, which is not parsed a second time. Every check after the load is the same.
    /// </summary>
    /// <param name="document">The assertion document; the validator reads it and owns it from here on.</param>
    /// <param name="assertionXml">The bytes <paramref name="document"/> loads back from (held to the size cap; the fast path keys on them).</param>
    /// <param name="cancellationToken">Cancels a metadata refresh, if one is needed.</param>
    internal ValueTask<Saml2AssertionValidationResult> ValidateLoadedAsync(XmlDocument document, byte[] assertionXml, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(assertionXml);
        return assertionXml.Length > _parameters.MaximumDecodedLength
            ? ValueTask.FromResult(Saml2AssertionValidationResult.Failure(Saml2AssertionFailureReason.DecodedSizeExceeded))
            : ValidateDocumentAsync(document, cancellationToken);
    }

    /// <summary>Everything after the secure load: structure, issuer, signature, digest, body, rules, then the one-time-use record.</summary>
    private ValueTask<Saml2AssertionValidationResult> ValidateDocumentAsync(XmlDocument document, CancellationToken cancellationToken)
    {
        var result = CheckDocumentAsync(document, cancellationToken);
        return _oneTimeUseStore is null ? result : RecordOneTimeUseAsync(result, _oneTimeUseStore, cancellationToken);
    }

    /// <summary>
    /// The last check, once every other has passed (so a rejected assertion never burns its ID): a
    /// <c>OneTimeUse</c> assertion is recorded until it expires (<c>NotOnOrAfter</c> plus the skew, as long
    /// as the checks above accept it), and refused when it already was. The store's faults propagate.
    /// </summary>
    private async ValueTask<Saml2AssertionValidationResult> RecordOneTimeUseAsync(
        ValueTask<Saml2AssertionValidationResult> pending,
        ISaml2AssertionReplayStore store,
        CancellationToken cancellationToken)
    {
        var result = await pending.ConfigureAwait(false);
        if (!result.IsValid || !result.Assertion.Conditions.OneTimeUse)
        {
            return result;
        }

        var assertion = result.Assertion;
        var firstUse = await store.TryAddAsync(assertion.Issuer, assertion.Id, assertion.ValidTo + _parameters.ClockSkew, cancellationToken).ConfigureAwait(false);
        return firstUse ? result : Saml2AssertionValidationResult.Failure(Saml2AssertionFailureReason.OneTimeUseReplayed);
    }

    private ValueTask<Saml2AssertionValidationResult> CheckDocumentAsync(XmlDocument document, CancellationToken cancellationToken)
    {
        var reason = Saml2DocumentStructure.Locate(document, _parameters.AllowResponseWrapper, _parameters.AllowSaml11, out var assertionDocument, out var signatureElement);
        if (reason != Saml2AssertionFailureReason.None)
        {
            return ValueTask.FromResult(Saml2AssertionValidationResult.Failure(reason));
        }

        var assertion = assertionDocument.DocumentElement!;
        reason = Saml2AssertionReader.ReadHeader(assertion, out var reader);
        if (reason != Saml2AssertionFailureReason.None)
        {
            return ValueTask.FromResult(Saml2AssertionValidationResult.Failure(reason));
        }

        if (!_issuers.TryGetValue(reader.Issuer!, out var issuer))
        {
            return ValueTask.FromResult(Saml2AssertionValidationResult.Failure(Saml2AssertionFailureReason.IssuerNotTrusted));
        }

        reason = Saml2SignatureReader.Read(signatureElement!, reader.Id!, _parameters.AllowSha1, out var signature);
        if (reason != Saml2AssertionFailureReason.None)
        {
            return ValueTask.FromResult(Saml2AssertionValidationResult.Failure(reason));
        }

        if (issuer.MetadataManager is null)
        {
            return ValueTask.FromResult(Complete(assertionDocument, reader, signature!, Saml2SignatureVerifier.VerifySignedInfo(signature!, issuer.Keys)));
        }

        return ValidateWithMetadataAsync(assertionDocument, reader, signature!, issuer, cancellationToken);
    }

    private async ValueTask<Saml2AssertionValidationResult> ValidateWithMetadataAsync(
        XmlDocument document,
        Saml2AssertionReader reader,
        Saml2AssertionSignature signature,
        TrustedIssuer issuer,
        CancellationToken cancellationToken)
    {
        var metadata = await GetMetadataAsync(issuer.MetadataManager!, cancellationToken).ConfigureAwait(false);
        var verifiedBy = Saml2SignatureVerifier.VerifySignedInfo(signature, Combine(issuer.Keys, metadata, reader.Issuer!));
        if (verifiedBy is null)
        {
            // An unknown key may mean the identity provider rolled over: refresh once, as JwtBearer does.
            var refreshed = await issuer.RefreshMetadataAsync(metadata, cancellationToken).ConfigureAwait(false);
            if (refreshed is not null)
            {
                verifiedBy = Saml2SignatureVerifier.VerifySignedInfo(signature, Combine(issuer.Keys, refreshed, reader.Issuer!));
            }
        }

        return Complete(document, reader, signature, verifiedBy);
    }

    private static async Task<Saml2IdentityProviderMetadata?> GetMetadataAsync(
        IConfigurationManager<Saml2IdentityProviderMetadata> manager,
        CancellationToken cancellationToken)
    {
        try
        {
            return await manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // No metadata could be had yet; the configured certificates, if any, still apply.
            return null;
        }
    }

    private static Saml2SigningKey[] Combine(Saml2SigningKey[] configured, Saml2IdentityProviderMetadata? metadata, string issuer) =>
        metadata is null || !string.Equals(metadata.EntityId, issuer, StringComparison.Ordinal)
            ? configured
            : [.. configured, .. metadata.GetKeys(issuer)];

    /// <summary>
    /// Finishes validation once SignedInfo has been checked: <paramref name="verifiedBy"/> is the trusted key
    /// that verified it, or <see langword="null"/> when none did.
    /// </summary>
    private Saml2AssertionValidationResult Complete(
        XmlDocument document,
        Saml2AssertionReader reader,
        Saml2AssertionSignature signature,
        Saml2SigningKey? verifiedBy)
    {
        if (verifiedBy is null)
        {
            return Saml2AssertionValidationResult.Failure(DiagnoseUnverifiedSignature(signature, reader.Issuer!));
        }

        if (!Saml2SignatureVerifier.VerifyDigest(document, signature))
        {
            return Saml2AssertionValidationResult.Failure(Saml2AssertionFailureReason.DigestMismatch);
        }

        // From here on every value is read from the element whose digest was just verified.
        var reason = reader.ReadBody(document.DocumentElement!);
        if (reason != Saml2AssertionFailureReason.None)
        {
            return Saml2AssertionValidationResult.Failure(reason);
        }

        return Saml2AssertionRules.Check(reader, signature, _parameters, _validAudiences, _validRecipients);
    }

    /// <summary>
    /// Names why no trusted key verified, using the certificate the message names as a hint only.
    /// </summary>
    private Saml2AssertionFailureReason DiagnoseUnverifiedSignature(Saml2AssertionSignature signature, string issuer)
    {
        foreach (var hash in Saml2SignatureReader.ReadKeyInfoCertificateHashes(signature.KeyInfo))
        {
            if (!_issuerByCertificateHash.TryGetValue(Convert.ToHexString(hash), out var owner))
            {
                return Saml2AssertionFailureReason.SigningKeyNotTrusted;
            }

            if (!string.Equals(owner, issuer, StringComparison.Ordinal))
            {
                return Saml2AssertionFailureReason.IssuerKeyMismatch;
            }
        }

        return Saml2AssertionFailureReason.SignatureInvalid;
    }

    /// <summary>
    /// The keys configured for one identity provider, its metadata manager, and the one metadata refresh
    /// that assertions signed with an unknown key share.
    /// </summary>
    private sealed class TrustedIssuer(Saml2SigningKey[] keys, IConfigurationManager<Saml2IdentityProviderMetadata>? metadataManager)
    {
        /// <summary>The longest wait for a requested refresh to bring new metadata.</summary>
        private static readonly TimeSpan RefreshWait = TimeSpan.FromSeconds(5);

        private readonly SigningKeyRefresh<Saml2IdentityProviderMetadata> _refresh = new();

        public Saml2SigningKey[] Keys { get; } = keys;

        public IConfigurationManager<Saml2IdentityProviderMetadata>? MetadataManager { get; } = metadataManager;

        /// <summary>
        /// Metadata newer than <paramref name="current"/> after a refresh shared by concurrent callers, at most
        /// once per refresh interval, or <see langword="null"/> when there is nothing newer.
        /// </summary>
        public Task<Saml2IdentityProviderMetadata?> RefreshMetadataAsync(Saml2IdentityProviderMetadata? current, CancellationToken cancellationToken) =>
            _refresh.RefreshAsync(MetadataManager!, current, BaseConfigurationManager.DefaultRefreshInterval, RefreshWait, cancellationToken);
    }
}
