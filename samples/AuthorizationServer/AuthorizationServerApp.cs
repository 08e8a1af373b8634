using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace AuthorizationServer;

/// <summary>
/// Builds the sample authorization server: OpenIddict with EF Core SQLite, a token endpoint accepting
/// the SAML 2.0 bearer grant (RFC 7522) and refresh tokens, discovery and JWKS. Usable in-process by the
/// demo and the integration tests: pass <c>--urls http://127.0.0.1:PORT</c> in <c>args</c> and adjust
/// the options in code.
/// </summary>
public static class AuthorizationServerApp
{
    /// <summary>The token endpoint path.</summary>
    public const string TokenEndpointPath = "connect/token";

    /// <summary>The discovery document path.</summary>
    public const string ConfigurationEndpointPath = ".well-known/openid-configuration";

    /// <summary>The JSON Web Key set path.</summary>
    public const string JsonWebKeySetEndpointPath = ".well-known/jwks";

    /// <summary>
    /// Builds the application. Options are bound from the <c>AuthorizationServer</c> configuration
    /// section, then <paramref name="configure"/> adjusts them.
    /// </summary>
    /// <param name="args">Command-line arguments (configuration, <c>--urls</c>...).</param>
    /// <param name="configure">Adjusts the options after binding: identity providers, clients, database, issuer.</param>
    /// <returns>The application, not started.</returns>
    public static WebApplication Build(string[] args, Action<AuthorizationServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(AuthorizationServerApp).Assembly.GetName().Name,
        });

        // OpenIddict's request logs are verbose; assertions, tokens and secrets must never reach a log.
        builder.Logging.AddFilter("OpenIddict", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);

        var options = new AuthorizationServerOptions { Redis = builder.Configuration.GetConnectionString("Redis") };
        builder.Configuration.GetSection(AuthorizationServerOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<AuthorizationServerSeeder>();

        // One clock for OpenIddict (it resolves TimeProvider from the container), the replay store and the assertions.
        if (options.TimeProvider is { } timeProvider)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        var connectionString = ResolveConnectionString(options.ConnectionString, builder.Environment.ContentRootPath, out var inMemory);
        if (inMemory)
        {
            builder.Services.AddSingleton(new SqliteKeepAlive(connectionString));
        }

        builder.Services.AddDbContext<AuthorizationServerDbContext>(db =>
        {
            db.UseSqlite(connectionString);
            db.UseOpenIddict();
        });

        // Replayed assertions are refused across the server's instances: in Redis when configured, else in the database.
        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            builder.Services.AddSaml2BearerRedisReplayStore(options.Redis);
        }
        else
        {
            builder.Services.AddSaml2BearerDbContextReplayStore<AuthorizationServerDbContext>();
        }

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<AuthorizationServerDbContext>())
            .AddServer(server =>
            {
                if (options.Issuer is not null)
                {
                    server.SetIssuer(new Uri(options.Issuer, UriKind.Absolute));
                }

                server.SetTokenEndpointUris(TokenEndpointPath)
                    .SetConfigurationEndpointUris(ConfigurationEndpointPath)
                    .SetJsonWebKeySetEndpointUris(JsonWebKeySetEndpointPath);

                server.AllowRefreshTokenFlow();
                server.RegisterScopes([.. options.AllScopes]);

                // Keys live in memory for the process lifetime: nothing private is written to disk.
                server.AddEphemeralSigningKey().AddEphemeralEncryptionKey();

                // Resource servers validate access tokens against the JWKS: plain signed JWTs.
                server.DisableAccessTokenEncryption();
                if (options.AccessTokenLifetime is { } lifetime)
                {
                    server.SetAccessTokenLifetime(lifetime);
                }

                server.AddSaml2BearerGrant(saml => ConfigureGrant(saml, options));

                // The samples run over HTTP on loopback.
                server.UseAspNetCore().DisableTransportSecurityRequirement();
            });

        var app = builder.Build();
        app.UseAuthentication();
        return app;
    }

    private static void ConfigureGrant(AspNetCore.Saml2Bearer.OpenIddict.Saml2BearerGrantOptions saml, AuthorizationServerOptions options)
    {
        foreach (var identityProvider in options.IdentityProviders)
        {
            var certificates = new List<X509Certificate2>(identityProvider.SigningCertificates);
            if (identityProvider.SigningCertificatePath is { } path)
            {
                certificates.Add(X509Certificate2.CreateFromPem(File.ReadAllText(path)));
            }

            saml.Assertion.AddIdentityProvider(identityProvider.EntityId, [.. certificates]);
        }

        foreach (var audience in options.ValidAudiences)
        {
            saml.Assertion.ValidAudiences.Add(audience);
        }

        foreach (var recipient in options.ValidRecipients)
        {
            saml.Assertion.ValidRecipients.Add(recipient);
        }

        if (options.ClockSkew is { } skew)
        {
            saml.Assertion.ClockSkew = skew;
        }

        if (options.TimeProvider is { } timeProvider)
        {
            saml.Assertion.TimeProvider = timeProvider;
        }

        // AD FS callers hold SAML 1.1 assertions: accept grant_type=urn:ietf:params:oauth:grant-type:saml1_1-bearer too.
        saml.Assertion.AllowSaml11 = true;

        // RFC 8693 clients (PingFederate- and Salesforce-style) send the same assertion as a subject_token.
        saml.AllowTokenExchange = true;

        if (options.Resource is not null)
        {
            saml.Resources.Add(options.Resource);
        }
    }

    private static string ResolveConnectionString(string connectionString, string contentRoot, out bool inMemory)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.Equals(builder.DataSource, ":memory:", StringComparison.Ordinal))
        {
            // A private, shared-cache database: every context connects to the same one.
            builder.DataSource = "authorization-server-" + Guid.NewGuid().ToString("N");
            builder.Mode = SqliteOpenMode.Memory;
            builder.Cache = SqliteCacheMode.Shared;
        }

        inMemory = builder.Mode == SqliteOpenMode.Memory;
        if (!inMemory && !Path.IsPathRooted(builder.DataSource))
        {
            builder.DataSource = Path.Combine(contentRoot, builder.DataSource);
        }

        return builder.ToString();
    }
}
