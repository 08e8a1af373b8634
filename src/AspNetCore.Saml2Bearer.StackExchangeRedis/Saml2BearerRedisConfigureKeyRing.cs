using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// Keeps the Data Protection key ring in Redis (unless <see cref="Saml2BearerRedisOptions.DataProtectionKeysKey"/>
/// is <see langword="null"/>), so every instance decrypts the token cache entries of the others. A
/// repository the application sets after <c>AddSaml2BearerRedis</c> wins.
/// </summary>
internal sealed class Saml2BearerRedisConfigureKeyRing : IConfigureOptions<KeyManagementOptions>
{
    private readonly Saml2BearerRedisConnection _connection;
    private readonly Saml2BearerRedisOptions _options;

    public Saml2BearerRedisConfigureKeyRing(Saml2BearerRedisConnection connection, IOptions<Saml2BearerRedisOptions> options)
    {
        _connection = connection;
        _options = options.Value;
    }

    public void Configure(KeyManagementOptions options)
    {
        if (_options.DataProtectionKeysKey is { Length: > 0 } key)
        {
            options.XmlRepository = new RedisXmlRepository(_connection.GetDatabase, key);
        }
    }
}
