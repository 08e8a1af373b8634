using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// How an OpenIddict server validates SAML 2.0 bearer assertions and turns them into tokens.
/// </summary>
public sealed class Saml2BearerGrantOptions
{
    /// <summary>Creates the options with RFC 7522 defaults.</summary>
    public Saml2BearerGrantOptions()
    {
        // RFC 7522 section 2.1 prescribes base64url; standard base64 is tolerated because many
        // clients send it. DEFLATE and raw XML are not part of the grant.
        Assertion.AllowedEncodings = Saml2AssertionEncodings.Base64 | Saml2AssertionEncodings.Base64Url;
    }

    /// <summary>
    /// What an assertion must satisfy: the trusted identity providers (required), and optionally the
    /// audiences and recipients. When <see cref="Saml2AssertionValidationParameters.ValidAudiences"/> is
    /// empty, the server's issuer is the audience (with and without a trailing slash); when
    /// <see cref="Saml2AssertionValidationParameters.ValidRecipients"/> is empty, the server's token
    /// endpoint URI is the recipient (RFC 7522 section 3). Set the OpenIddict issuer explicitly in
    /// production, so that neither default depends on the request's host. With
    /// <see cref="Saml2AssertionValidationParameters.AllowSaml11"/> on, the server also accepts
    /// <c>grant_type=</c><see cref="Saml2BearerGrantDefaults.Saml11GrantType"/> (and advertises it): a SAML 1.1
    /// assertion under it or under <c>saml2-bearer</c>, validated by the same validator, replays refused by
    /// <c>AssertionID</c>; a SAML 2.0 assertion under <c>saml1_1-bearer</c> is refused.
    /// </summary>
    public Saml2AssertionValidationParameters Assertion { get; } = new();

    /// <summary>
    /// The scopes this grant may issue. A requested scope outside this list is silently dropped. Empty
    /// (the default): every requested scope that OpenIddict accepted (registered and permitted to the
    /// client) is granted.
    /// </summary>
    public IList<string> AllowedScopes { get; } = new List<string>();

    /// <summary>
    /// The resources (access token audiences) attached to every token issued by this grant, in addition
    /// to the resources of the granted scopes when an OpenIddict scope manager is registered.
    /// </summary>
    public IList<string> Resources { get; } = new List<string>();

    /// <summary>
    /// Maps a SAML attribute <c>Name</c> to the claim type it becomes. An attribute with several values
    /// becomes several claims.
    /// </summary>
    public IDictionary<string, string> ClaimMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Whether attributes absent from <see cref="ClaimMappings"/> become claims typed with their
    /// attribute name. Default: <see langword="true"/>. Claim types that OpenIddict or JWT reserve
    /// (<c>sub</c>, <c>iss</c>, <c>aud</c>, <c>scope</c>, <c>oi_*</c>...) are never taken from attributes.
    /// </summary>
    public bool IncludeUnmappedAttributes { get; set; } = true;

    /// <summary>
    /// Whether the server also accepts the assertion as the <c>subject_token</c> of an RFC 8693 token
    /// exchange (<c>grant_type=</c><see cref="Saml2BearerGrantDefaults.TokenExchangeGrantType"/>,
    /// <c>subject_token_type=</c><see cref="Saml2BearerGrantDefaults.Saml2SubjectTokenType"/>, or
    /// <see cref="Saml2BearerGrantDefaults.Saml1SubjectTokenType"/> with
    /// <see cref="Saml2AssertionValidationParameters.AllowSaml11"/>): the same validation, replay check and
    /// sign-in as the RFC 7522 grant, an access token issued with <c>issued_token_type</c>. An
    /// <c>actor_token</c> (delegation) is refused with <c>invalid_request</c>. Clients need the permission
    /// <c>gt:</c> + the token exchange grant type. Default: <see langword="false"/>.
    /// </summary>
    public bool AllowTokenExchange { get; set; }

    /// <summary>
    /// Checks that the options can validate anything at all.
    /// </summary>
    /// <exception cref="InvalidOperationException">A required value is missing or out of range.</exception>
    public void Validate()
    {
        if (Assertion.IdentityProviders.Count == 0)
        {
            throw new InvalidOperationException(
                $"{nameof(Assertion)}.{nameof(Saml2AssertionValidationParameters.IdentityProviders)} is empty: configure at least one trusted identity provider.");
        }

        if (AllowedScopes.Any(string.IsNullOrEmpty) || Resources.Any(string.IsNullOrEmpty))
        {
            throw new InvalidOperationException($"{nameof(AllowedScopes)} and {nameof(Resources)} must not hold empty values.");
        }

        if (ClaimMappings.Any(m => string.IsNullOrEmpty(m.Key) || string.IsNullOrEmpty(m.Value)))
        {
            throw new InvalidOperationException($"{nameof(ClaimMappings)} must not hold empty attribute names or claim types.");
        }
    }
}
