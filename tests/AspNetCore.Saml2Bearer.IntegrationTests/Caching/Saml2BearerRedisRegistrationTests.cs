using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.StackExchangeRedis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.KeyManagement.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Caching;

/// <summary>
/// What AddSaml2BearerRedis registers; resolving these services does not connect (nothing listens on the
/// port), the connection is made when first used.
/// </summary>
public sealed class Saml2BearerRedisRegistrationTests
{
    private const string Unreachable = "127.0.0.1:1,abortConnect=false,connectTimeout=200";

    [Fact]
    public void AddSaml2BearerRedis_ConnectionString_RegistersExchangeLockDistributedCacheAndKeyRing()
    {
        using var provider = new ServiceCollection().AddSaml2BearerRedis(Unreachable).BuildServiceProvider();

        Assert.NotNull(provider.GetService<ISaml2BearerExchangeLock>());
        Assert.IsAssignableFrom<RedisCache>(provider.GetRequiredService<IDistributedCache>());
        Assert.NotNull(provider.GetRequiredService<IOptions<RedisCacheOptions>>().Value.ConnectionMultiplexerFactory);
        Assert.Equal("Saml2BearerRedisXmlRepository", provider.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository?.GetType().Name);
    }

    [Fact]
    public void AddSaml2BearerRedis_CalledTwice_PutsOneSharedKeyRingProviderInFrontOfDataProtections()
    {
        var services = new ServiceCollection().AddSaml2BearerRedis(Unreachable).AddSaml2BearerRedis(Unreachable);
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(IKeyRingProvider));
        Assert.Equal("Saml2BearerRedisKeyRingProvider", provider.GetRequiredService<IKeyRingProvider>().GetType().Name);
    }

    [Fact]
    public void AddSaml2BearerRedis_KeyRingProviderOfTheApplication_IsLeftAlone()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IKeyRingProvider>(_ => throw new InvalidOperationException("not resolved here"));
        services.AddSaml2BearerRedis(Unreachable);

        var descriptor = Assert.Single(services, d => d.ServiceType == typeof(IKeyRingProvider));
        Assert.NotNull(descriptor.ImplementationFactory);
        Assert.Null(descriptor.ImplementationType);
    }

    [Fact]
    public void AddSaml2BearerRedis_KeyRingOfTheApplication_KeepsDataProtectionsReloadForKeysAddedByAnotherInstance()
    {
        // Data Protection reloads its ring for an unknown key id in its first 2 minutes only when it sees
        // its own provider; behind the shared key ring provider that must still hold.
        var directory = Directory.CreateTempSubdirectory("saml2bearer-keys-");
        try
        {
            using var writer = ApplicationKeyRingServices(directory);
            using var reader = ApplicationKeyRingServices(directory);
            var readerProtector = reader.GetRequiredService<IDataProtectionProvider>().CreateProtector("p");
            var writerProtector = writer.GetRequiredService<IDataProtectionProvider>().CreateProtector("p");
            Assert.Equal([1], readerProtector.Unprotect(writerProtector.Protect([1])));

            // A key added after the reader loaded its ring, and an instance started since that protects with it.
            var now = DateTimeOffset.UtcNow;
            var newKey = writer.GetRequiredService<IKeyManager>().CreateNewKey(now, now.AddDays(90));
            using var restarted = ApplicationKeyRingServices(directory);
            var protectedWithNewKey = restarted.GetRequiredService<IDataProtectionProvider>().CreateProtector("p").Protect([2]);
            Assert.Equal(newKey.KeyId, new Guid(protectedWithNewKey.AsSpan(4, 16)));

            Assert.Equal([2], readerProtector.Unprotect(protectedWithNewKey));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static ServiceProvider ApplicationKeyRingServices(DirectoryInfo directory)
    {
        var services = new ServiceCollection();
        services.AddSaml2BearerRedis(options =>
        {
            options.Configuration = Unreachable;
            options.DataProtectionKeysKey = null;
        });
        services.AddDataProtection().PersistKeysToFileSystem(directory).SetApplicationName("registration-tests");
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddSaml2BearerRedis_InstanceName_PrefixesTheDistributedCache()
    {
        using var provider = new ServiceCollection()
            .AddSaml2BearerRedis(options =>
            {
                options.Configuration = Unreachable;
                options.InstanceName = "orders-api:";
            })
            .BuildServiceProvider();

        Assert.Equal("orders-api:", provider.GetRequiredService<IOptions<RedisCacheOptions>>().Value.InstanceName);
    }

    [Fact]
    public void AddSaml2BearerRedis_DataProtectionKeysKeyNull_LeavesTheKeyRingToTheApplication()
    {
        using var provider = new ServiceCollection()
            .AddSaml2BearerRedis(options =>
            {
                options.Configuration = Unreachable;
                options.DataProtectionKeysKey = null;
            })
            .BuildServiceProvider();

        Assert.Null(provider.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository);
        Assert.NotNull(provider.GetService<ISaml2BearerExchangeLock>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void AddSaml2BearerRedis_EmptyConnectionString_Throws(string configuration)
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentException>(() => services.AddSaml2BearerRedis(configuration));
    }

    [Fact]
    public async Task AddSaml2BearerRedis_OptionsWithoutConfiguration_FailsAtStartupNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSaml2BearerRedis(options => options.InstanceName = "x:");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"{nameof(Saml2BearerRedisOptions)}.{nameof(Saml2BearerRedisOptions.Configuration)}", error.Message, StringComparison.Ordinal);
    }
}
