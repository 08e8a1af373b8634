namespace AuthorizationServer;

/// <summary>
/// Settings of the sample authorization server, bound from the <c>AuthorizationServer</c> configuration
/// section and then adjustable in code (see <see cref="AuthorizationServerApp.Build"/>).
/// </summary>
public sealed class AuthorizationServerOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "AuthorizationServer";

    /// <summary>The scopes always registered.</summary>
    public static readonly IReadOnlyList<string> DefaultScopes = ["orders.read", "orders.write", "openid", "offline_access"];

    /// <summary>
    /// The SQLite connection string. A relative <c>Data Source</c> is resolved against the content root;
    /// <c>Data Source=:memory:</c> gives a private in-memory database kept alive for the application's lifetime.
    /// Default: <c>Data Source=authorization-server.db</c>.
    /// </summary>
    public string ConnectionString { get; set; } = "Data Source=authorization-server.db";

    /// <summary>
    /// The issuer, e.g. <c>http://127.0.0.1:5001/</c>. Recommended: it is also the audience assertions
    /// must name. Default: derived from each request's host.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>The audiences assertions may name. Default: the issuer.</summary>
    public IList<string> ValidAudiences { get; } = new List<string>();

    /// <summary>The recipients assertions may name. Default: the token endpoint URI.</summary>
    public IList<string> ValidRecipients { get; } = new List<string>();

    /// <summary>The tolerance of every assertion time check. Default: five minutes.</summary>
    public TimeSpan? ClockSkew { get; set; }

    /// <summary>The trusted SAML identity providers; at least one is required.</summary>
    public IList<AuthorizationServerIdentityProvider> IdentityProviders { get; } = new List<AuthorizationServerIdentityProvider>();

    /// <summary>The clients seeded at startup (created, or updated when they exist).</summary>
    public IList<AuthorizationServerClient> Clients { get; } = new List<AuthorizationServerClient>();

    /// <summary>Scopes registered in addition to <see cref="DefaultScopes"/>.</summary>
    public IList<string> Scopes { get; } = new List<string>();

    /// <summary>The resource (access token audience) attached to every access token, or <see langword="null"/>.</summary>
    public string? Resource { get; set; }

    /// <summary>
    /// A StackExchange.Redis configuration string. When set, the instances of the server refuse replayed
    /// assertions through Redis; otherwise through the database (the table of used assertions), which
    /// instances on one database share. Default: <c>ConnectionStrings:Redis</c>, else none.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>The access token lifetime. Default: OpenIddict's (one hour).</summary>
    public TimeSpan? AccessTokenLifetime { get; set; }

    /// <summary>
    /// The server's clock, in code only (tests move a <c>FakeTimeProvider</c>): OpenIddict's token lifetimes, the
    /// assertion time checks and the replay store all read it. Default: <see langword="null"/>, the system clock.
    /// </summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>All registered scopes: the defaults and <see cref="Scopes"/>.</summary>
    public IEnumerable<string> AllScopes => DefaultScopes.Concat(Scopes).Distinct(StringComparer.Ordinal);

    /// <summary>Checks that the server can start.</summary>
    /// <exception cref="InvalidOperationException">A required value is missing.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(ConnectionString)} is empty.");
        }

        if (IdentityProviders.Count == 0)
        {
            throw new InvalidOperationException(
                $"{SectionName}:{nameof(IdentityProviders)} is empty: configure the EntityId and SigningCertificatePath of at least one trusted SAML identity provider.");
        }

        foreach (var identityProvider in IdentityProviders)
        {
            if (string.IsNullOrEmpty(identityProvider.EntityId)
                || (identityProvider.SigningCertificatePath is null && identityProvider.SigningCertificates.Count == 0))
            {
                throw new InvalidOperationException(
                    $"Each of {SectionName}:{nameof(IdentityProviders)} needs an {nameof(AuthorizationServerIdentityProvider.EntityId)} and a signing certificate.");
            }
        }

        foreach (var client in Clients)
        {
            if (string.IsNullOrEmpty(client.ClientId)
                || (client.ClientSecret is null && client.JsonWebKeySet is null && client.JsonWebKeys is null))
            {
                throw new InvalidOperationException(
                    $"Each of {SectionName}:{nameof(Clients)} needs a {nameof(AuthorizationServerClient.ClientId)} and a secret or a JSON Web Key set.");
            }
        }
    }
}
