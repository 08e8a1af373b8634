using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml;
using AspNetCore.Saml2Bearer.Testing;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>
/// SOAP WS-Security callers end to end, against the real OpenIddict AS: the ResourceApi contract
/// (<c>AllowSoapSecurityHeader</c>, <c>POST /whoami</c>), the YARP gateway and the exchange middleware
/// (Security header stripped, Bearer added, rejected callers never forwarded).
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class SoapEndToEndTests(EndToEndFixture e2e)
{
    private const string Payload = "<m:GetOrders xmlns:m=\"urn:example:orders\"><m:Customer>42</m:Customer></m:GetOrders>";

    private static SoapEnvelopeBuilder Envelope(bool soap12, string assertion, Action<SoapEnvelopeBuilder, XmlElement>? change = null)
    {
        var envelope = soap12 ? SoapEnvelopeBuilder.Soap12() : SoapEnvelopeBuilder.Soap11();
        var security = envelope.AddSecurityHeader();
        envelope.AddAssertion(security, assertion);
        var payload = envelope.Document.CreateDocumentFragment();
        payload.InnerXml = Payload;
        envelope.Body.AppendChild(payload);
        change?.Invoke(envelope, security);
        return envelope;
    }

    private async Task<(ApiResponse Response, string? ContentType)> PostAsync(ApiHost host, string path, SoapEnvelopeBuilder envelope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.BaseAddress, path)) { Content = envelope.ToContent() };
        using var response = await e2e.Http.SendAsync(request);
        return (new ApiResponse(
            response.StatusCode,
            await response.Content.ReadAsStringAsync(),
            response.Headers.WwwAuthenticate.Select(h => h.ToString()).ToList(),
            response.Headers.RetryAfter), response.Content.Headers.ContentType?.MediaType);
    }

    private static (string? Name, List<(string, string)> Claims) WhoAmI(string json)
    {
        using var document = JsonDocument.Parse(json);
        var claims = document.RootElement.GetProperty("claims").EnumerateArray()
            .Select(c => (c.GetProperty("type").GetString()!, c.GetProperty("value").GetString()!))
            .Order()
            .ToList();
        return (document.RootElement.GetProperty("name").GetString(), claims);
    }

    // samples/ResourceApi with AllowSoapSecurityHeader=true

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ResourceApi_PostWhoAmIWithSoapEnvelope_AnswersAsGetWhoAmIWithTheHeader(bool soap12)
    {
        var subject = EndToEndFixture.NewSubject("soap-api");
        var assertion = e2e.IssueAssertion(subject, d => d.Attributes["urn:example:department"] = ["purchasing"]);

        var viaSoap = (await PostAsync(e2e.Api, "whoami", Envelope(soap12, assertion))).Response;
        var viaHeader = await e2e.SendSamlAsync(e2e.Api, "whoami", assertion);

        Assert.True(viaSoap.StatusCode == HttpStatusCode.OK, $"{viaSoap.StatusCode} {viaSoap.Challenge} {viaSoap.Body}");
        Assert.Equal(HttpStatusCode.OK, viaHeader.StatusCode);
        var soap = WhoAmI(viaSoap.Body);
        var header = WhoAmI(viaHeader.Body);
        Assert.Equal(subject, soap.Name);
        Assert.Equal(header.Name, soap.Name);
        Assert.Equal(header.Claims, soap.Claims);
        Assert.Contains(("scope", "orders.read"), soap.Claims);
    }

    [Fact]
    public async Task ResourceApi_PostWhoAmIWithTheHeader_AlsoWorks()
    {
        var subject = EndToEndFixture.NewSubject("soap-api-header");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(e2e.Api.BaseAddress, "whoami"));
        request.Headers.Authorization = new AuthenticationHeaderValue(Saml2BearerDefaults.HeaderScheme, e2e.IssueAssertion(subject));

        var response = await e2e.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(subject, WhoAmI(response.Body).Name);
    }

    [Fact]
    public async Task ResourceApi_EverySoapRejection_Is401AndMakesNoTokenRequest()
    {
        var good = e2e.IssueAssertion(EndToEndFixture.NewSubject("soap-reject"));
        var rejected = new List<SoapEnvelopeBuilder>
        {
            Envelope(false, e2e.IssueTamperedAssertion(EndToEndFixture.NewSubject("soap-tampered"))),
            Envelope(true, good, (e, _) => e.AddAssertion(e.Body, good)),
            Envelope(false, good, (e, _) => e.AddAssertion(e.AddSecurityHeader(), good)),
            Envelope(true, good, (e, security) => e.AddAssertion(security, good)),
            Envelope(false, good, (e, security) => e.AddAssertion(e.AddElement(security, "wsse", "BinarySecurityToken", SoapEnvelopeBuilder.WsseNamespace), good)),
            Envelope(true, good, (e, security) => security.SetAttribute("role", e.Namespace, "https://firewall.example.com")),
        };
        var before = e2e.Api.TokenRequests.Count;

        foreach (var envelope in rejected)
        {
            var response = (await PostAsync(e2e.Api, "whoami", envelope)).Response;
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith("SAML", response.Challenge, StringComparison.Ordinal);
        }

        var mismatch = Envelope(false, good).ToBytes();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(e2e.Api.BaseAddress, "whoami")) { Content = new ByteArrayContent(mismatch) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/soap+xml");
        Assert.Equal(HttpStatusCode.Unauthorized, (await e2e.SendAsync(request)).StatusCode);

        Assert.Equal(before, e2e.Api.TokenRequests.Count);
    }

    // The YARP gateway

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Gateway_SoapCaller_BackendGetsTheEnvelopeWithoutSecurityHeaderAndABearerToken(bool soap12)
    {
        var subject = EndToEndFixture.NewSubject("soap-gateway");

        var (response, _) = await PostAsync(e2e.Gateway, "soap/orders", Envelope(soap12, e2e.IssueAssertion(subject)));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        var echo = JsonSerializer.Deserialize<SoapEcho>(response.Body, JsonSerializerOptions.Web)!;
        var authorization = echo.Headers["Authorization"];
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        var validation = await e2e.ValidateAccessTokenAsync(authorization["Bearer ".Length..]);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(subject, validation.Claims["sub"]);

        Assert.DoesNotContain("Security", echo.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Assertion", echo.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(subject, echo.Body, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetByteCount(echo.Body).ToString(System.Globalization.CultureInfo.InvariantCulture), echo.Headers["Content-Length"]);
        var forwarded = new XmlDocument();
        forwarded.LoadXml(echo.Body);
        Assert.Equal(soap12 ? SoapEnvelopeBuilder.Soap12Namespace : SoapEnvelopeBuilder.Soap11Namespace, forwarded.DocumentElement!.NamespaceURI);
        Assert.Equal("42", forwarded.GetElementsByTagName("Customer", "urn:example:orders")[0]!.InnerText);
    }

    [Fact]
    public async Task Gateway_RejectedSoapCaller_GetsASoapFaultAndNeverReachesTheBackend()
    {
        var backendBefore = e2e.Backend.RequestCount;
        var tokenRequestsBefore = e2e.Gateway.TokenRequests.Count;

        var (response, contentType) = await PostAsync(e2e.Gateway, "soap/orders", Envelope(true, e2e.IssueTamperedAssertion(EndToEndFixture.NewSubject("soap-gateway-bad"))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Challenge, StringComparison.Ordinal);
        Assert.Equal("application/soap+xml", contentType);
        Assert.Contains("wsse:InvalidSecurityToken", response.Body, StringComparison.Ordinal);
        Assert.Equal(backendBefore, e2e.Backend.RequestCount);
        Assert.Equal(tokenRequestsBefore, e2e.Gateway.TokenRequests.Count);
    }

    [Fact]
    public async Task Gateway_SoapCallerWithoutCredential_GetsAFaultAndNeverReachesTheBackend()
    {
        var backendBefore = e2e.Backend.RequestCount;
        var envelope = SoapEnvelopeBuilder.Soap11();
        envelope.AddSecurityHeader();

        var (response, contentType) = await PostAsync(e2e.Gateway, "soap/orders", envelope);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("text/xml", contentType);
        Assert.Contains("wsse:FailedAuthentication", response.Body, StringComparison.Ordinal);
        Assert.Equal(backendBefore, e2e.Backend.RequestCount);
    }

    // The exchange middleware in front of a JwtBearer API

    [Fact]
    public async Task Middleware_SoapCaller_JwtBearerEndpointSeesBearerAndNoSecurityHeader()
    {
        var subject = EndToEndFixture.NewSubject("soap-middleware");

        var (response, _) = await PostAsync(e2e.MiddlewareApi, "soap", Envelope(true, e2e.IssueAssertion(subject)));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        var echo = JsonSerializer.Deserialize<SoapEcho>(response.Body, JsonSerializerOptions.Web)!;
        Assert.Equal(subject, echo.Headers["sub"]);
        Assert.StartsWith("Bearer ", echo.Headers["Authorization"], StringComparison.Ordinal);
        Assert.DoesNotContain("Security", echo.Body, StringComparison.Ordinal);
        Assert.Contains("<m:Customer>42</m:Customer>", echo.Body, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetByteCount(echo.Body).ToString(System.Globalization.CultureInfo.InvariantCulture), echo.Headers["Content-Length"]);
    }

    [Fact]
    public async Task Middleware_RejectedSoapCaller_NeverReachesTheEndpoint()
    {
        var before = e2e.MiddlewareApi.TokenRequests.Count;

        var (response, _) = await PostAsync(e2e.MiddlewareApi, "soap", Envelope(false, e2e.IssueTamperedAssertion(EndToEndFixture.NewSubject("soap-middleware-bad"))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("sub", response.Body, StringComparison.Ordinal);
        Assert.Equal(before, e2e.MiddlewareApi.TokenRequests.Count);
    }
}
