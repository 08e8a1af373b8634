using System.Security.Cryptography.X509Certificates;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// What a SAML 2.0 assertion must satisfy to be accepted, modelled on Microsoft.IdentityModel's
/// <c>TokenValidationParameters</c>. The defaults follow RFC 7522 section 3 and are the safe choice.
/// </summary>
public sealed class Saml2AssertionValidationParameters
{
    /// <summary>The default <see cref="ClockSkew"/>: five minutes.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The default <see cref="MaximumLifetime"/>: one hour.</summary>
    public static readonly TimeSpan DefaultMaximumLifetime = TimeSpan.FromHours(1);

    /// <summary>The default <see cref="MaximumEncodedLength"/>: 256 KiB.</summary>
    public const int DefaultMaximumEncodedLength = 256 * 1024;

    /// <summary>The default <see cref="MaximumDecodedLength"/>: 512 KiB.</summary>
    public const int DefaultMaximumDecodedLength = 512 * 1024;

    /// <summary>The default <see cref="MaximumElementDepth"/>.</summary>
    public const int DefaultMaximumElementDepth = 64;

    /// <summary>The highest <see cref="MaximumElementDepth"/> that may be configured.</summary>
    public const int MaximumAllowedElementDepth = 512;

    /// <summary>
    /// The trusted identity providers. The assertion's <c>Issuer</c> must be one of their entity IDs, and
    /// the signature must verify with a key of that same identity provider.
    /// </summary>
    public IList<Saml2IdentityProvider> IdentityProviders { get; } = new List<Saml2IdentityProvider>();

    /// <summary>
    /// The audiences this party answers to. Every <c>AudienceRestriction</c> in the assertion must name
    /// at least one of them (SAML core 2.5.1.4).
    /// </summary>
    public IList<string> ValidAudiences { get; } = new List<string>();

    /// <summary>
    /// The values a bearer <c>SubjectConfirmationData/@Recipient</c> may take; typically the token
    /// endpoint the assertion will be presented to.
    /// </summary>
    public IList<string> ValidRecipients { get; } = new List<string>();

    /// <summary>The tolerance applied to every time comparison. Default: five minutes.</summary>
    public TimeSpan ClockSkew { get; set; } = DefaultClockSkew;

    /// <summary>
    /// The longest lifetime accepted, from the later of <c>IssueInstant</c> and <c>NotBefore</c> to the
    /// effective <c>NotOnOrAfter</c> (the earlier of the Conditions' and the bearer confirmation's). A
    /// <c>NotBefore</c> backdated before <c>IssueInstant</c> for clock skew does not count, so a stock
    /// Microsoft Entra ID assertion (<c>NotBefore</c> 5 minutes early, <c>NotOnOrAfter</c> 60 minutes after
    /// <c>IssueInstant</c>) is one hour long. Default: one hour.
    /// </summary>
    public TimeSpan MaximumLifetime { get; set; } = DefaultMaximumLifetime;

    /// <summary>
    /// Whether RSA-SHA1 / ECDSA-SHA1 signatures and SHA-1 digests are accepted. Off by default: only
    /// enable it for an identity provider that cannot sign with SHA-2.
    /// </summary>
    public bool AllowSha1 { get; set; }

    /// <summary>The encodings accepted from callers. Default: base64, base64url and DEFLATE.</summary>
    public Saml2AssertionEncodings AllowedEncodings { get; set; } = Saml2AssertionEncodings.Default;

    /// <summary>The longest encoded assertion accepted, in characters, checked before decoding. Default: 256 KiB.</summary>
    public int MaximumEncodedLength { get; set; } = DefaultMaximumEncodedLength;

    /// <summary>The largest decoded (or inflated) assertion accepted, in bytes. Default: 512 KiB.</summary>
    public int MaximumDecodedLength { get; set; } = DefaultMaximumDecodedLength;

    /// <summary>
    /// The deepest element nesting accepted. Default: 64; at most <see cref="MaximumAllowedElementDepth"/>,
    /// since canonicalization recurses once per level and a deeper cap would let input reach the stack's end.
    /// </summary>
    public int MaximumElementDepth { get; set; } = DefaultMaximumElementDepth;

    /// <summary>
    /// Whether a <c>samlp:Response</c> holding exactly one signed assertion is accepted in place of the
    /// assertion. Off by default; the assertion inside must satisfy every rule on its own.
    /// </summary>
    public bool AllowResponseWrapper { get; set; }

    /// <summary>
    /// Whether SAML 1.1 assertions (<c>urn:oasis:names:tc:SAML:1.0:assertion</c>, <c>MajorVersion="1"
    /// MinorVersion="1"</c>, as AD FS issues by default) are accepted beside SAML 2.0. Off by default: a
    /// SAML 1.1 assertion is then rejected with <see cref="Saml2AssertionFailureReason.Saml11NotAllowed"/>.
    /// When on, they pass the same structural and signature rules (the reference names
    /// <c>AssertionID</c>) and the SAML 1.1 semantics: issuer, times, audiences, and every statement's
    /// subject the same and confirmed by the bearer method. SAML 1.1 has no <c>Recipient</c>: the audience
    /// restriction is what binds the assertion to this party, so <see cref="ValidRecipients"/> does not apply.
    /// </summary>
    public bool AllowSaml11 { get; set; }

    /// <summary>
    /// Whether an assertion carrying the <c>OneTimeUse</c> condition (SAML core 2.5.1.5; SAML 1.1's
    /// <c>DoNotCacheCondition</c>) is accepted once only: its issuer and ID are recorded in
    /// <see cref="ReplayStore"/> after every other check passed, and a second presentation is rejected
    /// with <see cref="Saml2AssertionFailureReason.OneTimeUseReplayed"/>. Such assertions never take the
    /// repeat-assertion fast path. A store that cannot answer fails the request as a temporary fault, never
    /// accepting the assertion unchecked. Off by default (the condition is then only kept off the fast path).
    /// An authorization server refuses every replay already (<c>AddSaml2BearerGrant</c>): leave it off there.
    /// </summary>
    public bool EnforceOneTimeUse { get; set; }

    /// <summary>
    /// Where <see cref="EnforceOneTimeUse"/> records the used assertions; required when it is on. A resource
    /// server's scheme takes the <see cref="ISaml2AssertionReplayStore"/> registered in its services when this
    /// is <see langword="null"/>: in memory (one instance) unless <c>AddSaml2BearerRedis</c> registered the
    /// Redis store, which instances behind a load balancer share.
    /// </summary>
    public ISaml2AssertionReplayStore? ReplayStore { get; set; }

    /// <summary>The clock. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Adds a trusted identity provider with its signing certificates.
    /// </summary>
    /// <param name="entityId">The identity provider's entity ID.</param>
    /// <param name="signingCertificates">Its signing certificates.</param>
    /// <returns>This instance.</returns>
    public Saml2AssertionValidationParameters AddIdentityProvider(string entityId, params X509Certificate2[] signingCertificates)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        ArgumentNullException.ThrowIfNull(signingCertificates);
        var identityProvider = new Saml2IdentityProvider { EntityId = entityId };
        foreach (var certificate in signingCertificates)
        {
            identityProvider.SigningCertificates.Add(certificate);
        }

        IdentityProviders.Add(identityProvider);
        return this;
    }

    /// <summary>
    /// Checks that the parameters can validate anything at all.
    /// </summary>
    /// <exception cref="InvalidOperationException">A required value is missing or out of range; the message names every problem.</exception>
    public void Validate()
    {
        var errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", errors.Select(e => e.Message)));
        }
    }

    /// <summary>
    /// Every problem of the parameters, each with the name of the setting it is about (a configuration
    /// key under <c>Assertion</c>), so that startup can report them all at once.
    /// </summary>
    internal List<(string Key, string Message)> GetValidationErrors()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider);
        var errors = new List<(string Key, string Message)>();
        if (IdentityProviders.Count == 0)
        {
            errors.Add((nameof(IdentityProviders), $"{nameof(IdentityProviders)} is empty: configure at least one trusted identity provider."));
        }

        foreach (var identityProvider in IdentityProviders)
        {
            if (string.IsNullOrEmpty(identityProvider.EntityId))
            {
                errors.Add((nameof(IdentityProviders), $"An identity provider has no {nameof(Saml2IdentityProvider.EntityId)}."));
            }
            else if (identityProvider.SigningCertificates.Count == 0 && identityProvider.MetadataManager is null)
            {
                errors.Add((nameof(IdentityProviders),
                    $"The identity provider '{identityProvider.EntityId}' has neither {nameof(Saml2IdentityProvider.SigningCertificates)} nor a {nameof(Saml2IdentityProvider.MetadataManager)}."));
            }
        }

        if (IdentityProviders.Select(i => i.EntityId).Distinct(StringComparer.Ordinal).Count() != IdentityProviders.Count)
        {
            errors.Add((nameof(IdentityProviders), $"{nameof(IdentityProviders)} names an entity ID twice."));
        }

        if (ValidAudiences.Count == 0 || ValidAudiences.Any(string.IsNullOrEmpty))
        {
            errors.Add((nameof(ValidAudiences), $"{nameof(ValidAudiences)} is empty or holds an empty value: configure the audience this party answers to."));
        }

        if (ValidRecipients.Count == 0 || ValidRecipients.Any(string.IsNullOrEmpty))
        {
            errors.Add((nameof(ValidRecipients), $"{nameof(ValidRecipients)} is empty or holds an empty value: configure the token endpoint the assertion is presented to."));
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromHours(1))
        {
            errors.Add((nameof(ClockSkew), $"{nameof(ClockSkew)} must be between zero and one hour."));
        }

        if (MaximumLifetime <= TimeSpan.Zero)
        {
            errors.Add((nameof(MaximumLifetime), $"{nameof(MaximumLifetime)} must be positive."));
        }

        foreach (var (name, value) in new[] { (nameof(MaximumEncodedLength), MaximumEncodedLength), (nameof(MaximumDecodedLength), MaximumDecodedLength), (nameof(MaximumElementDepth), MaximumElementDepth) })
        {
            if (value <= 0)
            {
                errors.Add((name, $"{nameof(MaximumEncodedLength)}, {nameof(MaximumDecodedLength)} and {nameof(MaximumElementDepth)} must be positive."));
            }
        }

        if (MaximumElementDepth > MaximumAllowedElementDepth)
        {
            errors.Add((nameof(MaximumElementDepth),
                $"{nameof(MaximumElementDepth)} must be at most {MaximumAllowedElementDepth}: canonicalization recurses once per level."));
        }

        if (EnforceOneTimeUse && ReplayStore is null)
        {
            errors.Add((nameof(EnforceOneTimeUse), $"{nameof(EnforceOneTimeUse)} is on but there is no {nameof(ReplayStore)}: set one, or register an {nameof(ISaml2AssertionReplayStore)}."));
        }

        if (AllowedEncodings == Saml2AssertionEncodings.None)
        {
            errors.Add((nameof(AllowedEncodings), $"{nameof(AllowedEncodings)} allows no encoding."));
        }

        return errors;
    }
}
