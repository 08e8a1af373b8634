// One command, the whole flow of RFC 7522 in one process on loopback ports: a test SAML IdP, the
// OpenIddict authorization server, a Bearer-only "orders" API, and the ResourceApi with AddSaml2Bearer().
// It plays a legacy caller, prints each of the seven steps, shows the cache and a rejection, and exits
// 0 only when every step behaved as expected.
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml;
using AspNetCore.Saml2Bearer;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Testing;
using AuthorizationServer;
using Demo;
using ResourceApi;

using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
var demo = new DemoConsole();
var workDirectory = Directory.CreateTempSubdirectory("saml2bearer-demo-");
var apps = new List<WebApplication>();
try
{
    var asUrl = DemoPorts.NextLoopbackUrl();
    var ordersUrl = DemoPorts.NextLoopbackUrl();
    var apiUrl = DemoPorts.NextLoopbackUrl();
    var issuer = asUrl + "/";
    var tokenEndpoint = issuer + AuthorizationServerApp.TokenEndpointPath;
    var clientSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    using var idp = new TestSaml2IdentityProvider("https://idp.demo.test/saml")
    {
        DefaultAudience = issuer,
        DefaultRecipient = tokenEndpoint,
    };

    // The authorization server: trusts the IdP, knows the API as a confidential client.
    var authorizationServer = AuthorizationServerApp.Build(["--urls", asUrl, "--Logging:LogLevel:Default=Warning"], options =>
    {
        options.ConnectionString = "Data Source=:memory:";
        options.Issuer = issuer;
        options.Resource = OrdersApi.Audience;
        options.ValidAudiences.Add(issuer);
        options.ValidRecipients.Add(tokenEndpoint);
        var trusted = new AuthorizationServerIdentityProvider { EntityId = idp.EntityId };
        trusted.SigningCertificates.Add(idp.SigningCertificate);
        options.IdentityProviders.Add(trusted);
        var client = new AuthorizationServerClient { ClientId = "resource-api", ClientSecret = clientSecret };
        client.Scopes.Add("orders.read");
        client.Scopes.Add("openid");
        options.Clients.Add(client);
    });
    apps.Add(authorizationServer);

    var orders = OrdersApi.Build(ordersUrl, issuer);
    apps.Add(orders);

    // The ResourceApi, configured exactly as the black-box contract says (keys under
    // Authentication:Schemes:Saml2Bearer, the IdP certificate as a PEM file).
    var certificatePath = Path.Combine(workDirectory.FullName, "idp-signing.pem");
    await File.WriteAllTextAsync(certificatePath, idp.ExportSigningCertificatePem(), timeout.Token);
    var counter = new TokenRequestCounter();
    Saml2Assertion? validatedAssertion = null;
    AspNetCore.Saml2Bearer.TokenExchange.Saml2BearerTokenResponse? receivedToken = null;
    var api = ResourceApiApp.Build(
        ["--urls", apiUrl],
        builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Authentication:Schemes:Saml2Bearer:TokenEndpoint"] = tokenEndpoint,
                ["Authentication:Schemes:Saml2Bearer:Authority"] = issuer,
                ["Authentication:Schemes:Saml2Bearer:ClientId"] = "resource-api",
                ["Authentication:Schemes:Saml2Bearer:ClientSecret"] = clientSecret,
                ["Authentication:Schemes:Saml2Bearer:Scope"] = "orders.read openid",
                // A first token request also pays for discovery, JWKS and a cold JIT on a small machine.
                ["Authentication:Schemes:Saml2Bearer:BackchannelTimeout"] = "00:00:30",
                ["Authentication:Schemes:Saml2Bearer:ValidTokenAudiences:0"] = OrdersApi.Audience,
                ["Authentication:Schemes:Saml2Bearer:Assertion:ValidIssuers:0"] = idp.EntityId,
                ["Authentication:Schemes:Saml2Bearer:Assertion:SigningCertificates:0"] = certificatePath,
                ["Authentication:Schemes:Saml2Bearer:Assertion:ValidAudiences:0"] = issuer,
                // AD FS callers send SAML 1.1; exchanged with grant_type=...:saml1_1-bearer.
                ["Authentication:Schemes:Saml2Bearer:Assertion:AllowSaml11"] = "true",
            });
            builder.Services.Configure<Saml2BearerOptions>(Saml2BearerDefaults.AuthenticationScheme, options =>
            {
                options.Events.OnAssertionValidated = context =>
                {
                    validatedAssertion = context.Assertion;
                    return Task.CompletedTask;
                };
                options.Events.OnTokenReceived = context =>
                {
                    receivedToken = context.TokenResponse;
                    return Task.CompletedTask;
                };
            });
            builder.Services.AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + Saml2BearerDefaults.AuthenticationScheme)
                .AddHttpMessageHandler(counter.CreateHandler);
            builder.Services.AddHttpClient("orders", client => client.BaseAddress = new Uri(ordersUrl))
                .AddSaml2BearerAccessToken(options => options.AllowedHosts.Add("127.0.0.1"));
        },
        app => app.MapGet("/my-orders", async (IHttpClientFactory factory, CancellationToken cancellationToken) =>
        {
            using var response = await factory.CreateClient("orders").GetAsync(new Uri("/orders", UriKind.Relative), cancellationToken);
            return Results.Content(await response.Content.ReadAsStringAsync(cancellationToken), "application/json", Encoding.UTF8, (int)response.StatusCode);
        }).RequireAuthorization());
    apps.Add(api);

    // The YARP gateway in front of the orders API, for SOAP callers (a SAML token in WS-Security).
    var gatewayUrl = DemoPorts.NextLoopbackUrl();
    var gatewayTokenRequests = new TokenRequestCounter();
    var gateway = Gateway.GatewayApp.Build(["--urls", gatewayUrl], ordersUrl + "/", builder =>
    {
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Authentication:Schemes:Saml2Bearer:TokenEndpoint"] = tokenEndpoint,
            ["Authentication:Schemes:Saml2Bearer:Authority"] = issuer,
            ["Authentication:Schemes:Saml2Bearer:ClientId"] = "resource-api",
            ["Authentication:Schemes:Saml2Bearer:ClientSecret"] = clientSecret,
            ["Authentication:Schemes:Saml2Bearer:Scope"] = "orders.read openid",
            ["Authentication:Schemes:Saml2Bearer:BackchannelTimeout"] = "00:00:30",
            ["Authentication:Schemes:Saml2Bearer:ValidTokenAudiences:0"] = OrdersApi.Audience,
            ["Authentication:Schemes:Saml2Bearer:Assertion:ValidIssuers:0"] = idp.EntityId,
            ["Authentication:Schemes:Saml2Bearer:Assertion:SigningCertificates:0"] = certificatePath,
            ["Authentication:Schemes:Saml2Bearer:Assertion:ValidAudiences:0"] = issuer,
        });
        builder.Services.AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + Saml2BearerDefaults.AuthenticationScheme)
            .AddHttpMessageHandler(gatewayTokenRequests.CreateHandler);
    });
    apps.Add(gateway);

    foreach (var app in apps)
    {
        await app.StartAsync(timeout.Token);
    }

    Console.WriteLine("AspNetCore.Saml2Bearer demo: RFC 7522 SAML 2.0 bearer assertion grant, end to end");
    Console.WriteLine($"  SAML IdP (test)        {idp.EntityId}");
    Console.WriteLine($"  Authorization server   {issuer} (OpenIddict, saml2-bearer grant)");
    Console.WriteLine($"  ResourceApi            {apiUrl} (AddSaml2Bearer)");
    Console.WriteLine($"  Orders API             {ordersUrl} (JwtBearer only)");

    using var caller = new HttpClient { BaseAddress = new Uri(apiUrl) };

    // Warm the servers up (JIT, database) so the steps below show the flow, not a cold start.
    using (var warmUp = new HttpClient())
    {
        (await warmUp.GetAsync(new Uri(issuer + AuthorizationServerApp.ConfigurationEndpointPath), timeout.Token)).Dispose();
        (await warmUp.GetAsync(new Uri(apiUrl + "/ping"), timeout.Token)).Dispose();
    }

    DemoConsole.Step(1, "A legacy caller holds a signed SAML 2.0 assertion for alice");
    var assertion = idp.IssueAssertion(d =>
    {
        d.NameId = "alice@example.com";
        d.Attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"] = ["Alice"];
        d.Attributes["http://schemas.xmlsoap.org/claims/Group"] = ["purchasing", "finance"];
    });
    DemoConsole.Detail($"issuer {idp.EntityId}, NameID alice@example.com, {assertion.Length} base64 characters, valid 5 minutes");

    DemoConsole.Step(2, "The API trusts that IdP by its signing certificate");
    DemoConsole.Detail($"certificate SHA-256 {Convert.ToHexString(SHA256.HashData(idp.SigningCertificate.RawData))[..16]}... from {Path.GetFileName(certificatePath)}");

    var whoami = await SendAsync(caller, "/whoami", assertion, timeout.Token);

    DemoConsole.Step(3, "The handler validated the assertion locally");
    demo.Expect(validatedAssertion is not null, "signature, issuer, audience, recipient and times checked");
    if (validatedAssertion is not null)
    {
        DemoConsole.Detail($"NameID {validatedAssertion.NameId.Value}, audience {validatedAssertion.Conditions.AudienceRestrictions[0][0]}, recipient {validatedAssertion.BearerConfirmation.Recipient}, valid to {validatedAssertion.ValidTo:HH:mm:ss}Z");
    }

    DemoConsole.Step(4, "It requested an access token with the RFC 7522 grant");
    demo.Expect(counter.Count == 1, $"one token request to {counter.LastEndpoint}");
    demo.Expect(counter.LastGrantType == Saml2BearerDefaults.GrantType, $"grant_type={counter.LastGrantType}");

    DemoConsole.Step(5, "The authorization server verified the assertion and answered");
    demo.Expect(receivedToken is not null, "token response received");
    if (receivedToken is not null)
    {
        DemoConsole.Detail($"token_type {receivedToken.TokenType}, expires_in {receivedToken.ExpiresIn?.TotalSeconds}s, scope \"{receivedToken.Scope}\", access_token {DemoConsole.Redact(receivedToken.AccessToken)}, id_token {(receivedToken.IdToken is null ? "none" : "present")}");
    }

    DemoConsole.Step(6, "The principal the API's endpoints see (GET /whoami)");
    demo.Expect(whoami.StatusCode == HttpStatusCode.OK, $"GET /whoami -> {(int)whoami.StatusCode}");
    if (whoami.StatusCode == HttpStatusCode.OK)
    {
        using var json = JsonDocument.Parse(whoami.Body);
        var name = json.RootElement.GetProperty("name").GetString();
        demo.Expect(name == "alice@example.com", $"name = {name}");
        var claims = json.RootElement.GetProperty("claims").EnumerateArray().Select(c => (Type: c.GetProperty("type").GetString(), Value: c.GetProperty("value").GetString())).ToList();
        foreach (var (type, value) in claims)
        {
            DemoConsole.Detail($"{type} = {value}");
        }

        demo.Expect(claims.Contains(("scope", "orders.read")), "scope orders.read granted");
        demo.Expect(claims.Contains(("http://schemas.xmlsoap.org/claims/Group", "finance")), "every attribute value kept");
    }

    DemoConsole.Step(7, "The API calls the orders API on behalf of alice with the Bearer token");
    var myOrders = await SendAsync(caller, "/my-orders", assertion, timeout.Token);
    demo.Expect(myOrders.StatusCode == HttpStatusCode.OK, $"GET {ordersUrl}/orders -> {(int)myOrders.StatusCode}");
    DemoConsole.Detail(myOrders.Body);
    demo.Expect(myOrders.Body.Contains("\"subject\":\"alice@example.com\"", StringComparison.Ordinal), "the orders API saw sub = alice@example.com");

    DemoConsole.Section("Cache: a new assertion for the same subject");
    var second = await SendAsync(caller, "/whoami", idp.IssueAssertion(d => d.NameId = "alice@example.com"), timeout.Token);
    demo.Expect(second.StatusCode == HttpStatusCode.OK, $"GET /whoami -> {(int)second.StatusCode}");
    demo.Expect(counter.Count == 1, $"no second token request (token requests so far: {counter.Count})");

    DemoConsole.Section("Security: an assertion edited after signing");
    var tampered = Tamper(idp.IssueAssertion(d => d.NameId = "alice@example.com"), "alice@example.com", "admin@example.com");
    var rejected = await SendAsync(caller, "/whoami", tampered, timeout.Token);
    demo.Expect(rejected.StatusCode == HttpStatusCode.Unauthorized, $"GET /whoami -> {(int)rejected.StatusCode}");
    DemoConsole.Detail($"WWW-Authenticate: {rejected.Challenge}");
    demo.Expect(rejected.Challenge?.Contains("error=\"invalid_token\"", StringComparison.Ordinal) == true, "invalid_token");
    demo.Expect(counter.Count == 1, "the authorization server was not called");

    DemoConsole.Section("SAML 1.1: an AD FS caller (bob) with Assertion:AllowSaml11=true");
    var saml11 = idp.IssueSaml11Assertion(d => d.NameId = "bob@example.com");
    var saml11Whoami = await SendAsync(caller, "/whoami", saml11, timeout.Token);
    demo.Expect(saml11Whoami.StatusCode == HttpStatusCode.OK, $"GET /whoami -> {(int)saml11Whoami.StatusCode}");
    demo.Expect(validatedAssertion?.Version == Saml2AssertionVersion.Saml11, $"validated as SAML {(validatedAssertion?.Version == Saml2AssertionVersion.Saml11 ? "1.1" : "2.0")}, NameIdentifier {validatedAssertion?.NameId.Value}");
    demo.Expect(counter.Count == 2 && counter.LastGrantType == Saml2BearerDefaults.Saml11GrantType, $"one token request, grant_type={counter.LastGrantType}");
    if (saml11Whoami.StatusCode == HttpStatusCode.OK)
    {
        using var json = JsonDocument.Parse(saml11Whoami.Body);
        var name = json.RootElement.GetProperty("name").GetString();
        demo.Expect(name == "bob@example.com", $"name = {name}");
    }
    DemoConsole.Section("SOAP caller: a SOAP 1.2 envelope with the SAML token in WS-Security, through the gateway");
    var soap = SoapEnvelopeBuilder.Soap12();
    soap.AddAssertion(soap.AddSecurityHeader(), idp.IssueAssertion(d => d.NameId = "alice@example.com"));
    var payload = soap.Document.CreateDocumentFragment();
    payload.InnerXml = "<m:GetOrders xmlns:m=\"urn:example:orders\"><m:Customer>42</m:Customer></m:GetOrders>";
    soap.Body.AppendChild(payload);
    DemoConsole.Detail($"POST {gatewayUrl}/soap/orders, Content-Type {soap.ContentType}, {soap.ToBytes().Length} bytes, one wsse:Security header");
    var soapAnswer = await PostSoapAsync(gatewayUrl + "/soap/orders", soap, timeout.Token);
    demo.Expect(soapAnswer.StatusCode == HttpStatusCode.OK, $"-> {(int)soapAnswer.StatusCode}");
    DemoConsole.Detail(soapAnswer.Body);
    if (soapAnswer.StatusCode == HttpStatusCode.OK)
    {
        using var seen = JsonDocument.Parse(soapAnswer.Body);
        demo.Expect(seen.RootElement.GetProperty("subject").GetString() == "alice@example.com", "the backend saw sub = alice@example.com");
        demo.Expect(seen.RootElement.GetProperty("authorization").GetString() == "Bearer", "it got Authorization: Bearer");
        demo.Expect(seen.RootElement.GetProperty("securityHeaders").GetInt32() == 0 && seen.RootElement.GetProperty("samlAssertions").GetInt32() == 0, "and an envelope without the Security header: it never saw the SAML token");
        demo.Expect(seen.RootElement.GetProperty("customer").GetString() == "42", "the SOAP Body arrived intact");
    }

    var badSoap = SoapEnvelopeBuilder.Soap12();
    badSoap.AddAssertion(badSoap.AddSecurityHeader(), tampered);
    var soapRejected = await PostSoapAsync(gatewayUrl + "/soap/orders", badSoap, timeout.Token);
    demo.Expect(soapRejected.StatusCode == HttpStatusCode.Unauthorized && soapRejected.Body.Contains("wsse:InvalidSecurityToken", StringComparison.Ordinal), $"a tampered token -> {(int)soapRejected.StatusCode} with a SOAP 1.2 Fault (wsse:InvalidSecurityToken)");
    demo.Expect(gatewayTokenRequests.Count == 1, "the gateway made one token request, none for the rejected caller");
}
catch (Exception exception) when (exception is not OutOfMemoryException)
{
    demo.Expect(false, $"the demo failed: {exception.GetType().Name}: {exception.Message}");
}
finally
{
    foreach (var app in apps)
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    workDirectory.Delete(recursive: true);
}

Console.WriteLine();
Console.WriteLine(demo.Succeeded ? "All seven steps behaved as expected." : "Some steps did not behave as expected.");
return demo.Succeeded ? 0 : 1;

static async Task<(HttpStatusCode StatusCode, string Body, string? Challenge)> SendAsync(HttpClient client, string path, string assertion, CancellationToken cancellationToken)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, path);
    request.Headers.Authorization = new AuthenticationHeaderValue(Saml2BearerDefaults.HeaderScheme, assertion);
    using var response = await client.SendAsync(request, cancellationToken);
    var body = await response.Content.ReadAsStringAsync(cancellationToken);
    return (response.StatusCode, body, response.Headers.WwwAuthenticate.FirstOrDefault()?.ToString());
}

static async Task<(HttpStatusCode StatusCode, string Body)> PostSoapAsync(string url, SoapEnvelopeBuilder envelope, CancellationToken cancellationToken)
{
    using var client = new HttpClient();
    using var content = envelope.ToContent();
    using var response = await client.PostAsync(new Uri(url), content, cancellationToken);
    return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
}

static string Tamper(string encoded, string from, string to)
{
    var document = new XmlDocument { PreserveWhitespace = true };
    document.LoadXml(Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
    var nameId = document.GetElementsByTagName("NameID", "urn:oasis:names:tc:SAML:2.0:assertion")[0]!;
    nameId.InnerText = nameId.InnerText.Replace(from, to, StringComparison.Ordinal);
    return Convert.ToBase64String(Encoding.UTF8.GetBytes(document.OuterXml));
}
