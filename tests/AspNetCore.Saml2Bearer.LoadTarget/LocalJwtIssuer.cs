using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.LoadTarget;

/// <summary>
/// A local RS256 JWT issuer (key generated at start, never stored) for the JwtBearer baseline: the
/// same kind of work a typical Bearer API does per request, with no network.
/// </summary>
public sealed class LocalJwtIssuer : IDisposable
{
    public const string Issuer = "https://as.load.test/";
    public const string Audience = "resource-api";

    private readonly RSA _rsa = RSA.Create(2048);

    public LocalJwtIssuer()
    {
        Key = new RsaSecurityKey(_rsa) { KeyId = "load-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) };
        ValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = Key,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        };
    }

    public RsaSecurityKey Key { get; }

    public TokenValidationParameters ValidationParameters { get; }

    /// <summary>A typical access token: subject, scope, a few profile claims, valid for <paramref name="lifetime"/>.</summary>
    public string CreateToken(string subject, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", subject),
                new Claim("name", subject),
                new Claim("scope", "orders.read"),
                new Claim("given_name", "Alice"),
                new Claim("family_name", "Example"),
            ]),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256),
        });
    }

    public void Dispose() => _rsa.Dispose();
}
