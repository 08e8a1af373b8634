using System.Net.Http.Headers;
using System.Text;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Adds this API's client authentication to a token request: <c>client_secret_basic</c>,
/// <c>client_secret_post</c> (RFC 6749 section 2.3.1), <c>private_key_jwt</c> (RFC 7523) or none.
/// </summary>
internal static class ClientAuthentication
{
    /// <summary>
    /// Adds the fields or header the configured method needs. Returns false, naming the missing setting,
    /// when the options lack what the method needs; nothing is sent then.
    /// </summary>
    public static bool TryApply(
        Saml2BearerOptions options,
        Uri tokenEndpoint,
        TimeProvider timeProvider,
        List<KeyValuePair<string, string>> form,
        out AuthenticationHeaderValue? authorization,
        out string? missingSetting)
    {
        authorization = null;
        missingSetting = null;
        var clientId = options.ClientId;
        switch (options.ClientAuthenticationMethod)
        {
            case Saml2BearerClientAuthenticationMethod.ClientSecretBasic:
                if (!HasClientId(clientId, out missingSetting) || !HasClientSecret(options.ClientSecret, out missingSetting))
                {
                    return false;
                }

                authorization = CreateBasicAuthorization(clientId!, options.ClientSecret!);
                return true;

            case Saml2BearerClientAuthenticationMethod.ClientSecretPost:
                if (!HasClientId(clientId, out missingSetting) || !HasClientSecret(options.ClientSecret, out missingSetting))
                {
                    return false;
                }

                form.Add(new(OAuthParameterNames.ClientId, clientId!));
                form.Add(new(OAuthParameterNames.ClientSecret, options.ClientSecret!));
                return true;

            case Saml2BearerClientAuthenticationMethod.PrivateKeyJwt:
                if (!HasClientId(clientId, out missingSetting))
                {
                    return false;
                }

                if (options.ClientSigningCredentials is null)
                {
                    missingSetting = nameof(Saml2BearerOptions.ClientSigningCredentials);
                    return false;
                }

                var lifetime = options.ClientAssertionLifetime > TimeSpan.Zero ? options.ClientAssertionLifetime : TimeSpan.FromMinutes(1);
                // RFC 7521 section 4.2: the assertion identifies the client; client_id is not needed
                // (Entra ID documents it as required, so its preset sends it too).
                form.Add(new(OAuthParameterNames.ClientAssertionType, OAuthParameterNames.JwtBearerClientAssertionType));
                form.Add(new(OAuthParameterNames.ClientAssertion, ClientAssertion.Create(clientId!, options.ClientAssertionAudience ?? options.Authority ?? tokenEndpoint.AbsoluteUri, options.ClientSigningCredentials, timeProvider, lifetime)));
                if (options.Preset?.SendClientIdWithClientAssertion == true)
                {
                    form.Add(new(OAuthParameterNames.ClientId, clientId!));
                }

                return true;

            case Saml2BearerClientAuthenticationMethod.None:
                if (!string.IsNullOrEmpty(clientId))
                {
                    form.Add(new(OAuthParameterNames.ClientId, clientId));
                }

                return true;

            default:
                missingSetting = nameof(Saml2BearerOptions.ClientAuthenticationMethod);
                return false;
        }
    }

    /// <summary>
    /// The <c>client_secret_basic</c> header: RFC 6749 section 2.3.1 form-urlencodes the ID and the
    /// secret before they become the Basic user and password (RFC 7617), so a <c>:</c> in either survives.
    /// </summary>
    public static AuthenticationHeaderValue CreateBasicAuthorization(string clientId, string clientSecret)
    {
        var credentials = FormUrlEncode(clientId) + ":" + FormUrlEncode(clientSecret);
        return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
    }

    /// <summary>application/x-www-form-urlencoded encoding of one value: UTF-8 percent-encoding, space as <c>+</c>.</summary>
    public static string FormUrlEncode(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);

    private static bool HasClientId(string? clientId, out string? missingSetting)
    {
        missingSetting = string.IsNullOrEmpty(clientId) ? nameof(Saml2BearerOptions.ClientId) : null;
        return missingSetting is null;
    }

    private static bool HasClientSecret(string? clientSecret, out string? missingSetting)
    {
        missingSetting = clientSecret is null ? nameof(Saml2BearerOptions.ClientSecret) : null;
        return missingSetting is null;
    }
}
