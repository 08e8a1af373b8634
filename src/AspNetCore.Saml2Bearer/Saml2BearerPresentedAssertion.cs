using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// The request's assertion once it passed the handler's checks: what a token is obtained for.
/// </summary>
/// <param name="Input">The decoded input (bytes, fast-path entry, the subject's token from memory).</param>
/// <param name="Assertion">The validated assertion, or <see langword="null"/> when the authorization server vouches alone.</param>
/// <param name="FastPathEntry">The fast-path entry of these bytes (found or just added), or <see langword="null"/>.</param>
/// <param name="TokenKey">The token cache key of its subject (or, unvalidated, of the assertion itself).</param>
internal readonly record struct Saml2BearerPresentedAssertion(
    Saml2BearerAssertionInput Input,
    Saml2Assertion? Assertion,
    Saml2AssertionCacheEntry? FastPathEntry,
    string TokenKey);
