using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// What a preset (<see cref="Saml2BearerOptionsPresets"/>) remembers about the authorization server it
/// configured: the addresses it set, how it checks the options at startup, and how that server's error
/// answers are read. Set on <see cref="Saml2BearerOptions"/> by the preset, never by configuration.
/// </summary>
internal sealed class Saml2BearerPreset
{
    /// <summary>The preset's name, as in its method: <c>EntraId</c>, <c>Okta</c>, <c>OpenIddict</c>, <c>Rfc7522</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The token endpoint the preset set, or <see langword="null"/> when it is discovered.</summary>
    public string? TokenEndpoint { get; init; }

    /// <summary>The authority the preset set, or <see langword="null"/>.</summary>
    public string? Authority { get; init; }

    /// <summary>Whether <c>client_id</c> is also sent with a <c>private_key_jwt</c> client assertion (Entra ID requires it).</summary>
    public bool SendClientIdWithClientAssertion { get; init; }

    /// <summary>
    /// Checks what the server needs beyond the general rules; returns what is wrong, or <see langword="null"/>.
    /// </summary>
    public Func<Saml2BearerOptions, string?> Validate { get; init; } = static _ => null;

    /// <summary>
    /// Reduces the server's <c>error_description</c> to what may be logged: a code of the server's own
    /// (an <c>AADSTS</c> number), or nothing. The text itself never goes further than this.
    /// </summary>
    public Func<string?, string?> ReduceErrorDescription { get; init; } = static description => description;

    /// <summary>The outcome of an error code this server uses beyond RFC 6749, or <see langword="null"/> for the RFC mapping.</summary>
    public Func<string, Saml2BearerTokenResultStatus?> ClassifyError { get; init; } = static _ => null;

    /// <summary>The checks every preset shares: the addresses it set are still the ones in use.</summary>
    public string? ValidateCommon(Saml2BearerOptions options)
    {
        if (TokenEndpoint is not null && !string.Equals(options.TokenEndpoint, TokenEndpoint, StringComparison.Ordinal))
        {
            return $"{nameof(Saml2BearerOptions.TokenEndpoint)} was changed after Use{Name}() set it to {TokenEndpoint}: call Use{Name}() last, or drop the preset.";
        }

        if (Authority is not null && !string.Equals(options.Authority, Authority, StringComparison.Ordinal))
        {
            return $"{nameof(Saml2BearerOptions.Authority)} was changed after Use{Name}() set it to {Authority}: call Use{Name}() last, or drop the preset.";
        }

        return Validate(options);
    }
}
