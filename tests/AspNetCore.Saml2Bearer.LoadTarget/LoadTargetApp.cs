using System.Security.Claims;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using ResourceApi;

namespace AspNetCore.Saml2Bearer.LoadTarget;

/// <summary>
/// The ResourceApi sample (configured through its <c>Authentication:Schemes:Saml2Bearer</c> keys) plus
/// the baselines the load test and the benchmarks compare it with. Every authenticated endpoint
/// returns the same JSON as <c>/whoami</c>, so only the authentication differs:
/// <list type="bullet">
/// <item><c>/ping</c> anonymous; <c>/whoami</c> SAML, fast path on (the contract endpoint);</item>
/// <item><c>/fresh</c> SAML with the fast path off: every request fully validated, the token cached per subject;</item>
/// <item><c>/jwt</c> JwtBearer with a local RS256 key; <c>/noop</c> a handler that only returns Success;</item>
/// <item><c>/naive</c> anonymous endpoint that runs SignedXml.CheckSignature(cert) on every request;</item>
/// <item><c>/_alloc</c> the process's total allocated bytes, to derive allocations per request.</item>
/// </list>
/// </summary>
public static class LoadTargetApp
{
    public const string FreshScheme = "Saml2BearerFresh";
    public const string JwtScheme = "Jwt";
    public const string NoopScheme = "Noop";
    public const string ClientId = "resource-api";
    public const string Audience = "https://as.load.test";

    /// <summary>Builds the app.</summary>
    /// <param name="args">Host arguments (e.g. <c>--urls</c>).</param>
    /// <param name="idp">The trusted SAML IdP.</param>
    /// <param name="certificatePemPath">The IdP certificate as a PEM file (the contract configures a path).</param>
    /// <param name="tokenEndpoint">The token endpoint (also the valid Recipient).</param>
    /// <param name="jwt">The issuer whose tokens /jwt accepts.</param>
    /// <param name="configure">Last changes (test server, token service, cache limits).</param>
    public static WebApplication Build(
        string[] args,
        TestSaml2IdentityProvider idp,
        string certificatePemPath,
        string tokenEndpoint,
        LocalJwtIssuer jwt,
        Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(idp);
        ArgumentNullException.ThrowIfNull(jwt);
        return ResourceApiApp.Build(
            args,
            builder =>
            {
                builder.Logging.ClearProviders();
                var settings = new Dictionary<string, string?>();
                foreach (var scheme in new[] { Saml2BearerDefaults.AuthenticationScheme, FreshScheme })
                {
                    var prefix = "Authentication:Schemes:" + scheme + ":";
                    settings[prefix + "TokenEndpoint"] = tokenEndpoint;
                    settings[prefix + "ClientId"] = ClientId;
                    settings[prefix + "ClientSecret"] = "load-secret";
                    settings[prefix + "Scope"] = "orders.read";
                    settings[prefix + "Assertion:ValidIssuers:0"] = idp.EntityId;
                    settings[prefix + "Assertion:SigningCertificates:0"] = certificatePemPath;
                    settings[prefix + "Assertion:ValidAudiences:0"] = Audience;
                }

                builder.Configuration.AddInMemoryCollection(settings);
                builder.Services.AddAuthentication()
                    .AddSaml2Bearer(FreshScheme, options => options.EnableAssertionCache = false)
                    .AddJwtBearer(JwtScheme, options => options.TokenValidationParameters = jwt.ValidationParameters)
                    .AddScheme<AuthenticationSchemeOptions, NoopAuthenticationHandler>(NoopScheme, null);
                // ResourceApi makes Saml2Bearer the default scheme, so UseAuthentication would run it on
                // every request that carries "Authorization: SAML": /fresh would validate each assertion
                // twice (default scheme, then its own) and /naive would pay for our validation on top of
                // SignedXml. Without a default scheme each endpoint authenticates only with its policy's
                // scheme; /whoami and /orders get Saml2Bearer through the default policy.
                builder.Services.Configure<AuthenticationOptions>(options => options.DefaultScheme = null);
                builder.Services.AddAuthorizationBuilder()
                    .SetDefaultPolicy(new AuthorizationPolicyBuilder(Saml2BearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build())
                    .AddPolicy(ResourceApiApp.OrdersReadPolicy, p => p.AddAuthenticationSchemes(Saml2BearerDefaults.AuthenticationScheme)
                        .RequireAuthenticatedUser().RequireClaim(Saml2BearerDefaults.ScopeClaimType, "orders.read"))
                    .AddPolicy(FreshScheme, p => p.AddAuthenticationSchemes(FreshScheme).RequireAuthenticatedUser())
                    .AddPolicy(JwtScheme, p => p.AddAuthenticationSchemes(JwtScheme).RequireAuthenticatedUser())
                    .AddPolicy(NoopScheme, p => p.AddAuthenticationSchemes(NoopScheme).RequireAuthenticatedUser());
                configure?.Invoke(builder);
            },
            app =>
            {
                app.MapGet("/fresh", (ClaimsPrincipal user) => WhoAmI(user)).RequireAuthorization(FreshScheme);
                app.MapGet("/jwt", (ClaimsPrincipal user) => WhoAmI(user)).RequireAuthorization(JwtScheme);
                app.MapGet("/noop", (ClaimsPrincipal user) => WhoAmI(user)).RequireAuthorization(NoopScheme);
                var certificate = idp.SigningCertificate;
                app.MapGet("/naive", (HttpContext context) =>
                {
                    var header = context.Request.Headers.Authorization.ToString();
                    return header.StartsWith("SAML ", StringComparison.Ordinal) && NaiveSignedXml.Check(header[5..], certificate)
                        ? WhoAmI(new ClaimsPrincipal(new ClaimsIdentity(SubjectClaims("bob@example.com"), "naive")))
                        : Results.Unauthorized();
                }).AllowAnonymous();
                app.MapGet("/_alloc", () => GC.GetTotalAllocatedBytes(precise: false).ToString(System.Globalization.CultureInfo.InvariantCulture)).AllowAnonymous();
            });
    }

    /// <summary>The body of ResourceApi's /whoami, for every authenticated baseline.</summary>
    public static IResult WhoAmI(ClaimsPrincipal user) => Results.Json(new
    {
        name = user.Identity?.Name,
        claims = user.Claims.Select(c => new { type = c.Type, value = c.Value }),
    });

    /// <summary>
    /// The claims the SAML handler gives a subject of <see cref="IssueAssertion"/> with the scope
    /// orders.read (type and value; the benchmarks check that the counts match), for the baselines that
    /// must answer the same /whoami body.
    /// </summary>
    public static Claim[] SubjectClaims(string subject) =>
    [
        new(ClaimTypes.NameIdentifier, subject),
        new(ClaimTypes.Name, subject),
        new(Saml2BearerDefaults.NameIdFormatClaimType, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
        new(Saml2BearerDefaults.AssertionIssuerClaimType, "https://idp.load.test/saml"),
        new(Saml2BearerDefaults.AssertionVersionClaimType, "2.0"),
        new(Saml2BearerDefaults.AuthenticationContextClassClaimType, "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"),
        new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "Alice"),
        new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "Example"),
        new("http://schemas.microsoft.com/identity/claims/displayname", "Alice Example (Finance)"),
        new("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "grp-finance-01"),
        new("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "grp-finance-02"),
        new("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "grp-finance-03"),
        new(Saml2BearerDefaults.ScopeClaimType, "orders.read"),
    ];

    /// <summary>An identity provider whose assertions this app accepts, valid for <paramref name="lifetime"/>.</summary>
    public static TestSaml2IdentityProvider CreateIdentityProvider(string tokenEndpoint, TestSaml2KeyType keyType = TestSaml2KeyType.Rsa) =>
        new("https://idp.load.test/saml", keyType) { DefaultAudience = Audience, DefaultRecipient = tokenEndpoint };

    /// <summary>A typical assertion: identity, profile and a few groups, like a corporate IdP releases.</summary>
    public static string IssueAssertion(TestSaml2IdentityProvider idp, string subject, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(idp);
        return idp.IssueAssertion(d =>
        {
            d.NameId = subject;
            d.Lifetime = lifetime;
            d.Attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"] = ["Alice"];
            d.Attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"] = ["Example"];
            d.Attributes["http://schemas.microsoft.com/identity/claims/displayname"] = ["Alice Example (Finance)"];
            d.Attributes["http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"] = ["grp-finance-01", "grp-finance-02", "grp-finance-03"];
        });
    }
}
