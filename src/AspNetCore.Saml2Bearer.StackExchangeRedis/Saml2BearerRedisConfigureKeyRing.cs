using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// Keeps the Data Protection key ring in Redis (unless <see cref="Saml2BearerRedisOptions.DataProtectionKeysKey"/>
/// is <see langword="null"/>), so every instance decrypts the token cache entries of the others. A
/// repository the application sets after <c>AddSaml2BearerRedis</c> wins. The repository
/// (<see cref="Saml2BearerRedisXmlRepository"/>) keeps the format of <c>RedisXmlRepository</c>, so a ring
/// written before stays readable, and adds a creation lock and the writing back of a lost ring.
/// </summary>
internal sealed class Saml2BearerRedisConfigureKeyRing : IConfigureOptions<KeyManagementOptions>
{
    private readonly Saml2BearerRedisXmlRepository _repository;
    private readonly Saml2BearerRedisOptions _options;

    public Saml2BearerRedisConfigureKeyRing(Saml2BearerRedisXmlRepository repository, IOptions<Saml2BearerRedisOptions> options)
    {
        _repository = repository;
        _options = options.Value;
    }

    public void Configure(KeyManagementOptions options)
    {
        if (_options.DataProtectionKeysKey is { Length: > 0 })
        {
            options.XmlRepository = _repository;
        }
    }
}
