namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The <c>saml:Conditions</c> of an assertion (SAML core 2.5).
/// </summary>
/// <param name="NotBefore">The <c>NotBefore</c> attribute, or <see langword="null"/>.</param>
/// <param name="NotOnOrAfter">The <c>NotOnOrAfter</c> attribute, or <see langword="null"/>.</param>
/// <param name="AudienceRestrictions">Each <c>AudienceRestriction</c> with the audiences it names.</param>
/// <param name="OneTimeUse">Whether a <c>OneTimeUse</c> condition is present.</param>
/// <param name="ProxyRestrictionCount">The <c>Count</c> of a <c>ProxyRestriction</c>, or <see langword="null"/>.</param>
public sealed record Saml2Conditions(
    DateTimeOffset? NotBefore,
    DateTimeOffset? NotOnOrAfter,
    IReadOnlyList<IReadOnlyList<string>> AudienceRestrictions,
    bool OneTimeUse,
    int? ProxyRestrictionCount);
