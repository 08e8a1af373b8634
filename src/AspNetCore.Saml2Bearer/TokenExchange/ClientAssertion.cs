using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Creates the JWT client assertion of <c>private_key_jwt</c> (RFC 7523 sections 2.2 and 3; OpenID
/// Connect Core section 9): <c>iss</c> = <c>sub</c> = the client ID, <c>aud</c> = the authorization
/// server's issuer when known (as draft-ietf-oauth-rfc7523bis requires, and OpenIddict enforces), else the
/// token endpoint, <c>typ</c> = <c>client-authentication+jwt</c>, a random <c>jti</c>, and a short
/// lifetime from the injected clock.
/// </summary>
internal static class ClientAssertion
{
    private static readonly JsonWebTokenHandler TokenHandler = new() { SetDefaultTimesOnTokenCreation = false };

    public static string Create(string clientId, string audience, SigningCredentials signingCredentials, TimeProvider timeProvider, TimeSpan lifetime)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = audience,
            TokenType = "client-authentication+jwt",
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, clientId),
                new Claim(JwtRegisteredClaimNames.Jti, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16))),
            ]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = signingCredentials,
        };

        return TokenHandler.CreateToken(descriptor);
    }
}
