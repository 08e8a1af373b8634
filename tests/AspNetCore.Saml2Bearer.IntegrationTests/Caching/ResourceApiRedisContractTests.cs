using AspNetCore.Saml2Bearer.Caching;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ResourceApi;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Caching;

/// <summary>
/// The ResourceApi contract's <c>ConnectionStrings:Redis</c>: set, the app takes Redis through
/// AddSaml2BearerRedis (L2 cache, key ring, exchange lock); unset, it stays memory only. The apps are
/// built, not started, so nothing connects.
/// </summary>
public sealed class ResourceApiRedisContractTests
{
    [Fact]
    public async Task Build_ConnectionStringsRedisSet_UsesRedisForCacheKeyRingAndLock()
    {
        await using var app = ResourceApiApp.Build(["--ConnectionStrings:Redis=127.0.0.1:1", "--Redis:InstanceName=resource-api:"]);

        Assert.NotNull(app.Services.GetService<ISaml2BearerExchangeLock>());
        Assert.IsAssignableFrom<RedisCache>(app.Services.GetRequiredService<IDistributedCache>());
        Assert.Equal("resource-api:", app.Services.GetRequiredService<IOptions<RedisCacheOptions>>().Value.InstanceName);
        Assert.Equal("Saml2BearerRedisXmlRepository", app.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository?.GetType().Name);
    }

    [Fact]
    public async Task Build_ConnectionStringsRedisUnset_StaysMemoryOnly()
    {
        await using var app = ResourceApiApp.Build([]);

        Assert.Null(app.Services.GetService<ISaml2BearerExchangeLock>());
        Assert.IsNotAssignableFrom<RedisCache>(app.Services.GetService<IDistributedCache>());
    }
}
