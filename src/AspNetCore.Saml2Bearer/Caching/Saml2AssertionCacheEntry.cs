using System.Diagnostics.CodeAnalysis;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Claims;
using AspNetCore.Saml2Bearer.Diagnostics;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// What the fast path keeps for assertion bytes that passed validation: the bytes, the validated assertion, the
/// token cache key of its subject, and the principal last built from it with a given token, so that a
/// repeat request rebuilds neither.
/// </summary>
internal sealed class Saml2AssertionCacheEntry
{
    private Saml2BearerPrincipalTemplate? _template;
    private string? _logHandle;

    public Saml2AssertionCacheEntry(byte[] assertionXml, Saml2Assertion assertion, string tokenKey)
    {
        AssertionXml = assertionXml;
        Assertion = assertion;
        TokenKey = tokenKey;
    }

    /// <summary>
    /// The start of the bytes' SHA-256, for logs: computed on first use, so that validation does not pay
    /// for a hash that only a debug log reads.
    /// </summary>
    public string LogHandle => _logHandle ??= Saml2BearerLog.AssertionHandle(AssertionXml);

    /// <summary>The exact decoded bytes that passed validation.</summary>
    public byte[] AssertionXml { get; }

    /// <summary>The validated assertion.</summary>
    public Saml2Assertion Assertion { get; }

    /// <summary>The token cache key of the assertion's subject under the scheme's options.</summary>
    public string TokenKey { get; }

    /// <summary>
    /// The principal template built before for <paramref name="token"/>, when the token is the same
    /// cached instance it was built with.
    /// </summary>
    public bool TryGetTemplate(Saml2BearerCachedToken token, [NotNullWhen(true)] out Saml2BearerPrincipalTemplate? template)
    {
        template = Volatile.Read(ref _template);
        return template is not null && ReferenceEquals(template.Token, token);
    }

    /// <summary>Remembers <paramref name="template"/> for the next request; two racing requests each set one, either is right.</summary>
    public void SetTemplate(Saml2BearerPrincipalTemplate template) => Volatile.Write(ref _template, template);
}
