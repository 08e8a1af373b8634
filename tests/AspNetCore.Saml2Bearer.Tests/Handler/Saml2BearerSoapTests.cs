using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// SOAP WS-Security callers through the handler (SECURITY-CASES rows 69–80): each case asserts its reason
/// code, that the authorization server is never called on a rejection, and (row 80) that nothing of the
/// envelope reaches the logs.
/// </summary>
public sealed class Saml2BearerSoapTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string Marker = "MARKER-51c0a7";
    private readonly List<Saml2BearerAuthenticationException> _failures = [];

    private Task<Saml2BearerTestHost> StartAsync(Action<Saml2BearerOptions>? configure = null) =>
        Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Configure = options =>
            {
                options.AllowSoapSecurityHeader = true;
                options.Events.OnAuthenticationFailed = context =>
                {
                    lock (_failures)
                    {
                        _failures.Add(context.Failure);
                    }

                    return Task.CompletedTask;
                };
                configure?.Invoke(options);
            },
            Endpoints = app =>
            {
                // The SOAP service behind: reads the whole request body itself.
                app.MapPost("/soap", async (HttpContext context) =>
                {
                    using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
                    var body = await reader.ReadToEndAsync(context.RequestAborted);
                    return Results.Json(new SoapEcho(context.User.Identity?.Name, body));
                }).RequireAuthorization();
                app.MapPost("/anonymous", async (HttpContext context) =>
                {
                    using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
                    return Results.Text((await reader.ReadToEndAsync(context.RequestAborted)).Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }).AllowAnonymous();
            },
        });

    private XmlDocument SignedV(Saml2BearerTestHost host, Action<Saml2AssertionBuilder>? configure = null)
    {
        var builder = host.NewAssertion();
        configure?.Invoke(builder);
        return builder.BuildSigned(fixture.IdpKey);
    }

    private string Saml11Assertion(Saml2BearerTestHost host) =>
        new Saml11AssertionBuilder(host.Time.GetUtcNow()).BuildEncoded(fixture.IdpKey);

    private static Task<HttpResponseMessage> PostAsync(Saml2BearerTestHost host, SoapEnvelopeBuilder envelope, string path = "/whoami") =>
        PostAsync(host, envelope.ToBytes(), envelope.ContentType, path);

    private static Task<HttpResponseMessage> PostAsync(Saml2BearerTestHost host, byte[] body, string contentType, string path = "/whoami")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return host.SendAsync(request);
    }

    private Saml2AssertionFailureReason? LastReason => _failures.Count == 0 ? null : _failures[^1].AssertionFailureReason;

    private async Task AssertRejectedAsync(Saml2BearerTestHost host, HttpResponseMessage response, Saml2AssertionFailureReason expected)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("SAML error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        Assert.Equal(expected, LastReason);
        Assert.Equal(0, host.TokenService.Calls);
        Assert.DoesNotContain(Marker, await Saml2BearerTestHost.DumpAsync(response), StringComparison.Ordinal);
    }

    private static void AssertNoCredential(Saml2BearerTestHost host, HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("SAML", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal(0, host.TokenService.Calls);
    }

    // Acceptance

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_SoapEnvelopeWithSaml2InSecurityHeader_AnswersAsGetWithTheHeader(bool soap12)
    {
        await using var soapHost = await StartAsync();
        await using var headerHost = await StartAsync();
        var v = SignedV(soapHost);

        using var soapResponse = await PostAsync(soapHost, SoapEnvelopes.Valid(soap12, v));
        var viaHeader = await headerHost.WhoAmIAsync(Saml2AssertionBuilder.Encode(v));

        Assert.Equal(HttpStatusCode.OK, soapResponse.StatusCode);
        var viaSoap = (await soapResponse.Content.ReadFromJsonAsync<WhoAmI>())!;
        Assert.Equal("alice@example.com", viaSoap.Name);
        Assert.Equal(viaHeader.Name, viaSoap.Name);
        Assert.Equal(viaHeader.Claims.OrderBy(c => c.Type).ThenBy(c => c.Value), viaSoap.Claims.OrderBy(c => c.Type).ThenBy(c => c.Value));
        Assert.Equal(1, soapHost.TokenService.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_SoapEnvelopeWithSaml11InSecurityHeaderWhileAllowed_AnswersAsTheHeaderWithTheSaml11GrantType(bool soap12)
    {
        await using var soapHost = await StartAsync(o => o.Assertion.AllowSaml11 = true);
        await using var headerHost = await StartAsync(o => o.Assertion.AllowSaml11 = true);
        var encoded = Saml11Assertion(soapHost);
        var envelope = SoapEnvelopes.New(soap12);
        envelope.AddAssertion(envelope.AddSecurityHeader(), encoded);
        SoapEnvelopes.AddPayload(envelope);

        using var soapResponse = await PostAsync(soapHost, envelope);
        var viaHeader = await headerHost.WhoAmIAsync(encoded);

        Assert.Equal(HttpStatusCode.OK, soapResponse.StatusCode);
        var viaSoap = (await soapResponse.Content.ReadFromJsonAsync<WhoAmI>())!;
        Assert.Equal("alice@example.com", viaSoap.Name);
        Assert.Equal(["1.1"], viaSoap.Values(Saml2BearerDefaults.AssertionVersionClaimType));
        Assert.Equal(viaHeader.Name, viaSoap.Name);
        Assert.Equal(viaHeader.Claims.OrderBy(c => c.Type).ThenBy(c => c.Value), viaSoap.Claims.OrderBy(c => c.Type).ThenBy(c => c.Value));
        var exchange = Assert.Single(soapHost.TokenService.Requests);
        Assert.Equal(Saml2BearerDefaults.Saml11GrantType, exchange.GrantType);
        Assert.Equal(Assert.Single(headerHost.TokenService.Requests).GrantType, exchange.GrantType);
        var exchanged = new XmlDocument();
        exchanged.LoadXml(Encoding.UTF8.GetString(exchange.Assertion.Span));
        Assert.Equal(Saml11AssertionBuilder.AssertionNs, exchanged.DocumentElement!.NamespaceURI);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_SoapEnvelopeWithSaml11InSecurityHeaderWhileNotAllowed_IsRejected(bool soap12)
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.New(soap12);
        envelope.AddAssertion(envelope.AddSecurityHeader(), Saml11Assertion(host));
        SoapEnvelopes.AddPayload(envelope);

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.Saml11NotAllowed);
    }

    [Fact]
    public async Task Post_SoapEnvelope_ExchangesTheDetachedAssertionItself()
    {
        await using var host = await StartAsync();
        var v = SignedV(host);

        using var response = await PostAsync(host, SoapEnvelopes.Valid(soap12: true, v));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var exchanged = new XmlDocument();
        exchanged.LoadXml(Encoding.UTF8.GetString(Assert.Single(host.TokenService.Requests).Assertion.Span));
        Assert.Equal("Assertion", exchanged.DocumentElement!.LocalName);
        Assert.Equal(v.DocumentElement!.GetAttribute("ID"), exchanged.DocumentElement.GetAttribute("ID"));
    }

    [Fact]
    public async Task Post_SameEnvelopeTwice_UsesTheFastPathAndTheCachedToken()
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.Valid(soap12: false, SignedV(host));

        using var first = await PostAsync(host, envelope);
        using var second = await PostAsync(host, envelope);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Post_HeaderAssertionWithSoapBody_UsesTheHeaderAndLeavesTheBodyUnread()
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.New(soap12: false);
        envelope.AddSecurityHeader();
        envelope.AddAssertion(envelope.Body, SignedV(host, b => b.NameId = "bob@example.com"));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/whoami", UriKind.Relative)) { Content = envelope.ToContent() };
        request.Headers.Authorization = new AuthenticationHeaderValue("SAML", host.Assertion());

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alice@example.com", (await response.Content.ReadFromJsonAsync<WhoAmI>())!.Name);
    }

    [Fact]
    public async Task Post_MessageReceivedSuppliesTheAssertion_StillWins()
    {
        string? supplied = null;
        await using var host = await StartAsync(o => o.Events.OnMessageReceived = context =>
        {
            context.Assertion = supplied;
            return Task.CompletedTask;
        });
        supplied = host.Assertion(b => b.NameId = "carol@example.com");

        using var response = await PostAsync(host, SoapEnvelopes.Valid(soap12: true, SignedV(host)));

        Assert.Equal("carol@example.com", (await response.Content.ReadFromJsonAsync<WhoAmI>())!.Name);
    }

    [Fact]
    public async Task Configuration_SoapKeys_AreBoundAndTurnTheInputOn()
    {
        const string Section = "Authentication:Schemes:Saml2Bearer:";
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Configuration = new Dictionary<string, string?>
            {
                [Section + "AllowSoapSecurityHeader"] = "true",
                [Section + "MaximumSoapEnvelopeSize"] = "65536",
                [Section + "SoapFaults"] = "true",
                [Section + "RemoveSoapSecurityHeader"] = "false",
            },
        });

        using var response = await PostAsync(host, SoapEnvelopes.Valid(soap12: true, SignedV(host)));

        var options = host.Options();
        Assert.True(options.AllowSoapSecurityHeader);
        Assert.Equal(65536, options.MaximumSoapEnvelopeSize);
        Assert.True(options.SoapFaults);
        Assert.False(options.RemoveSoapSecurityHeader);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Defaults_SoapInputAndFaultsOff_RemovalOn()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);

        var options = host.Options();
        Assert.False(options.AllowSoapSecurityHeader);
        Assert.False(options.SoapFaults);
        Assert.True(options.RemoveSoapSecurityHeader);
        Assert.Equal(256 * 1024, options.MaximumSoapEnvelopeSize);
    }

    [Fact]
    public async Task Validate_NonPositiveEnvelopeCap_FailsAtStartupNamingIt()
    {
        var host = Saml2BearerTestHost.Create(fixture, new Saml2BearerTestHostSettings { Configure = o => o.MaximumSoapEnvelopeSize = 0 });
        await using (host)
        {
            var exception = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await host.StartAsync();
                host.Options();
            });

            Assert.Contains(nameof(Saml2BearerOptions.MaximumSoapEnvelopeSize), exception.ToString(), StringComparison.Ordinal);
        }
    }

    // Row 69: SoapDisabled

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_SoapEnvelopeWhileDisabled_IsNoCredentialAndTheBodyIsUntouched(bool soap12)
    {
        await using var host = await StartAsync(o => o.AllowSoapSecurityHeader = false);
        var envelope = SoapEnvelopes.Valid(soap12, SignedV(host));

        using var response = await PostAsync(host, envelope);
        using var anonymous = await PostAsync(host, envelope, "/anonymous");

        AssertNoCredential(host, response);
        Assert.Equal(envelope.ToBytes().Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await anonymous.Content.ReadAsStringAsync());
    }

    // Row 70: SoapBodyAssertion

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_OnlyAssertionInTheBody_IsRejected(bool soap12)
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.New(soap12);
        envelope.AddAssertion(envelope.Body, SignedV(host));

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapAssertionInBody);
    }

    [Fact]
    public async Task Post_ValidHeaderAssertionAndASecondInTheBody_IsRejected()
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.Valid(soap12: false, SignedV(host));
        envelope.AddAssertion(envelope.Body, SignedV(host, b => b.NameId = Marker + "@example.com"));

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapAssertionInBody);
    }

    // Row 71: SoapWrapAcrossEnvelope

    [Fact]
    public async Task Post_SignedOriginalInBodyEvilCopyInHeader_IsRejected()
    {
        await using var host = await StartAsync();
        var v = SignedV(host);
        var envelope = SoapEnvelopes.New(soap12: true);
        envelope.AddAssertion(envelope.AddSecurityHeader(), SoapEnvelopes.EvilCopy(v));
        envelope.AddAssertion(envelope.Body, v);

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapAssertionInBody);
    }

    [Fact]
    public async Task Post_SignedOriginalInAnotherHeaderEvilCopyInSecurity_IsRejectedAsAltered()
    {
        await using var host = await StartAsync();
        var v = SignedV(host);
        var envelope = SoapEnvelopes.New(soap12: false);
        envelope.AddAssertion(envelope.AddSecurityHeader(), SoapEnvelopes.EvilCopy(v));
        envelope.AddAssertion(envelope.AddElement(envelope.Header, "x", "Audit", "urn:example:audit"), v);

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.DigestMismatch);
    }

    [Fact]
    public async Task Post_EvilAssertionInHeaderWrappingTheOriginal_IsRejected()
    {
        await using var host = await StartAsync();
        var v = SignedV(host);
        var evil = SoapEnvelopes.EvilCopy(v);
        evil.DocumentElement!.SetAttribute("ID", "_evil");
        var advice = evil.CreateElement("saml", "Advice", Saml2AssertionBuilder.AssertionNs);
        advice.AppendChild(evil.ImportNode(v.DocumentElement!, deep: true));
        evil.DocumentElement.AppendChild(advice);
        var envelope = SoapEnvelopes.New(soap12: false);
        envelope.AddAssertion(envelope.AddSecurityHeader(), evil);

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.MultipleAssertions);
    }

    // Row 72: SoapTwoSecurityHeaders

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, SoapEnvelopes.Soap12Next)]
    public async Task Post_TwoSecurityHeadersForThisNode_IsRejected(bool soap12, string? secondActor)
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.Valid(soap12, SignedV(host));
        envelope.AddAssertion(envelope.AddSecurityHeader(secondActor), SignedV(host, b => b.NameId = "bob@example.com"));

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapMultipleSecurityHeaders);
    }

    // Row 73: SoapTwoAssertions

    [Fact]
    public async Task Post_TwoAssertionsInTheSecurityHeader_IsRejected()
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.Valid(soap12: true, SignedV(host));
        envelope.AddAssertion((XmlElement)envelope.Header.FirstChild!, SignedV(host, b => b.NameId = "bob@example.com"));

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapMultipleAssertions);
    }

    // Row 74: SoapOtherActor

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_SecurityHeaderForAnotherActorOnly_IsNoCredential(bool soap12)
    {
        await using var host = await StartAsync();

        using var response = await PostAsync(host, SoapEnvelopes.Valid(soap12, SignedV(host), SoapEnvelopes.OtherActor));

        AssertNoCredential(host, response);
        Assert.Empty(_failures);
    }

    [Fact]
    public async Task Post_SecurityHeaderForAnotherActorPlusOneForUs_AuthenticatesFromOurs()
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.New(soap12: false);
        envelope.AddAssertion(envelope.AddSecurityHeader(SoapEnvelopes.OtherActor), SignedV(host, b => b.NameId = "bob@example.com"));
        envelope.AddAssertion(envelope.AddSecurityHeader(), SignedV(host));

        using var response = await PostAsync(host, envelope);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alice@example.com", (await response.Content.ReadFromJsonAsync<WhoAmI>())!.Name);
    }

    [Theory]
    [InlineData(false, "true")]
    [InlineData(true, "maybe")]
    public async Task Post_SecurityHeaderWithInvalidMustUnderstand_IsRejected(bool soap12, string mustUnderstand)
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.New(soap12);
        envelope.AddAssertion(envelope.AddSecurityHeader(mustUnderstand: mustUnderstand), SignedV(host));

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapInvalidMustUnderstand);
    }

    // Row 75: SoapNested

    [Theory]
    [InlineData("urn:example:wrapper", "Wrapper")]
    [InlineData(SoapEnvelopeBuilder.WsseNamespace, "BinarySecurityToken")]
    public async Task Post_AssertionNotADirectChildOfSecurity_IsRejected(string wrapperNamespace, string wrapperName)
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.New(soap12: false);
        envelope.AddAssertion(envelope.AddElement(envelope.AddSecurityHeader(), "w", wrapperName, wrapperNamespace), SignedV(host));

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapAssertionNotDirectChild);
    }

    [Fact]
    public async Task Post_EncryptedAssertion_IsRejected()
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.New(soap12: true);
        envelope.AddElement(envelope.AddSecurityHeader(), "saml", "EncryptedAssertion", Saml2AssertionBuilder.AssertionNs);

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEncryptedAssertion);
    }

    // Row 76: SoapDtd / Xxe / Expansion

    [Fact]
    public async Task Post_EnvelopeWithDoctype_IsRejected()
    {
        await using var host = await StartAsync();
        var text = SoapEnvelopes.WithDoctype(SoapEnvelopes.Valid(soap12: false, SignedV(host)));

        using var response = await PostAsync(host, SoapEnvelopes.Bytes(text), "text/xml");

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEnvelopeMalformed);
    }

    [Fact]
    public async Task Post_EnvelopeWithExternalEntity_IsRejectedWithoutFetching()
    {
        await using var host = await StartAsync();
        using var listener = new RecordingTcpListener();
        var text = SoapEnvelopes.WithExternalEntity(SoapEnvelopes.Valid(soap12: true, SignedV(host)), listener.Url("xxe"));

        using var response = await PostAsync(host, SoapEnvelopes.Bytes(text), "application/soap+xml");

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEnvelopeMalformed);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task Post_EnvelopeWithEntityExpansion_IsRejected()
    {
        await using var host = await StartAsync();
        var text = SoapEnvelopes.WithBillionLaughs(SoapEnvelopes.Valid(soap12: false, SignedV(host)));

        using var response = await PostAsync(host, SoapEnvelopes.Bytes(text), "text/xml; charset=utf-8");

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEnvelopeMalformed);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00, 0x00, 0x01, 0x02, 0x80, 0x00, 0x20, 0x00, 0x84, 0x84 })]
    [InlineData(new byte[] { 0x00, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x00, 0x3C })]
    public async Task Post_BodyTheXmlReaderRefusesAtItsFirstBytes_IsRejectedNot503(byte[] body)
    {
        // Found by build/fuzz.sh: a UTF-32 byte order mark makes creating the reader throw, before any node.
        await using var host = await StartAsync();

        using var response = await PostAsync(host, body, "text/xml");

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEnvelopeMalformed);
    }

    // Row 77: SoapOversize / Deep

    [Fact]
    public async Task Post_EnvelopeOverTheCap_IsRejectedBeforeParsing()
    {
        // Not even well-formed: only the size check, which comes first, can name it.
        await using var host = await StartAsync(o => o.MaximumSoapEnvelopeSize = 4096);
        var body = Encoding.UTF8.GetBytes("<soap:Envelope " + new string('x', 5000));

        using var response = await PostAsync(host, body, "text/xml");

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEnvelopeTooLarge);
    }

    [Fact]
    public async Task Post_ChunkedEnvelopeOverTheCap_IsRejectedWhileReading()
    {
        await using var host = await StartAsync(o => o.MaximumSoapEnvelopeSize = 4096);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("<soap:Envelope " + new string('x', 5000))));
        content.Headers.TryAddWithoutValidation("Content-Type", "text/xml");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/whoami", UriKind.Relative)) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await host.Client.SendAsync(request);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEnvelopeTooLarge);
    }

    [Fact]
    public async Task Post_TenThousandNestedElements_IsRejected()
    {
        await using var host = await StartAsync();
        var text = SoapEnvelopes.WithDeepNesting(SoapEnvelopes.Valid(soap12: false, SignedV(host)), 10_000);

        using var response = await PostAsync(host, SoapEnvelopes.Bytes(text), "text/xml");

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEnvelopeTooDeep);
    }

    // Row 78: SoapVersionMismatch, wrong Content-Type, not an Envelope

    [Theory]
    [InlineData(false, "application/soap+xml")]
    [InlineData(true, "text/xml")]
    public async Task Post_EnvelopeOfTheOtherVersion_IsRejected(bool soap12, string contentType)
    {
        await using var host = await StartAsync();

        using var response = await PostAsync(host, SoapEnvelopes.Valid(soap12, SignedV(host)).ToBytes(), contentType);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapVersionMismatch);
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task Post_SoapEnvelopeWithAWrongContentType_IsNoCredentialAndTheBodyIsUntouched(string contentType)
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.Valid(soap12: false, SignedV(host)).ToBytes();

        using var response = await PostAsync(host, envelope, contentType);
        using var anonymous = await PostAsync(host, envelope, contentType, "/anonymous");

        AssertNoCredential(host, response);
        Assert.Equal(envelope.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await anonymous.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_NonSoapXmlBody_IsNoCredentialAndTheEndpointStillReadsIt()
    {
        await using var host = await StartAsync();
        var xml = "<orders xmlns=\"urn:example:orders\"><order id=\"1\">" + Marker + "</order></orders>";

        using var response = await PostAsync(host, SoapEnvelopes.Bytes(xml), "text/xml");
        using var anonymous = await PostAsync(host, SoapEnvelopes.Bytes(xml), "text/xml", "/anonymous");

        AssertNoCredential(host, response);
        Assert.Equal(xml.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await anonymous.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>")]
    [InlineData("not xml at all")]
    [InlineData("")]
    public async Task Post_SoapContentTypeWithBrokenXml_IsRejectedNever500(string body)
    {
        await using var host = await StartAsync();

        using var response = await PostAsync(host, SoapEnvelopes.Bytes(body), "text/xml");

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapEnvelopeMalformed);
    }

    [Fact]
    public async Task Get_WithSoapContentType_NeverReadsTheBody()
    {
        await using var host = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/whoami", UriKind.Relative))
        {
            Content = SoapEnvelopes.Valid(soap12: false, SignedV(host)).ToContent(),
        };

        using var response = await host.Client.SendAsync(request);

        AssertNoCredential(host, response);
    }

    // Row 79: SoapBodyPreserved

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_ValidEnvelope_TheEndpointReadsTheWholeOriginalBody(bool soap12)
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.Valid(soap12, SignedV(host));
        var sent = Encoding.UTF8.GetString(envelope.ToBytes());

        using var response = await PostAsync(host, envelope, "/soap");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = (await response.Content.ReadFromJsonAsync<SoapEcho>())!;
        Assert.Equal("alice@example.com", echo.Name);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sent))), Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(echo.Body))));
    }

    [Fact]
    public async Task Post_LargeValidEnvelope_TheEndpointReadsTheWholeOriginalBody()
    {
        // Bigger than the request buffer's memory threshold, so it is read back from a file.
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.Valid(soap12: true, SignedV(host));
        envelope.AddElement(envelope.Body, "m", "Blob", "urn:example:orders").InnerText = new string('b', 100_000);
        var sent = Encoding.UTF8.GetString(envelope.ToBytes());

        using var response = await PostAsync(host, envelope, "/soap");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sent, (await response.Content.ReadFromJsonAsync<SoapEcho>())!.Body);
    }

    // SOAP faults

    [Theory]
    [InlineData(false, "text/xml")]
    [InlineData(true, "application/soap+xml")]
    public async Task Post_RejectedWithSoapFaults_AnswersAFaultInTheRequestVersionWithTheSameChallenge(bool soap12, string mediaType)
    {
        await using var host = await StartAsync(o => o.SoapFaults = true);
        var envelope = SoapEnvelopes.Valid(soap12, SignedV(host, b => b.NameId = Marker + "@example.com"));
        envelope.AddAssertion(envelope.Body, SignedV(host));

        using var response = await PostAsync(host, envelope);

        await AssertRejectedAsync(host, response, Saml2AssertionFailureReason.SoapAssertionInBody);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        var fault = new XmlDocument();
        fault.LoadXml(await response.Content.ReadAsStringAsync());
        Assert.Equal(envelope.Namespace, fault.DocumentElement!.NamespaceURI);
        Assert.Single(fault.GetElementsByTagName("Fault", envelope.Namespace));
        var code = soap12
            ? fault.GetElementsByTagName("Subcode", envelope.Namespace)[0]!.FirstChild!
            : fault.GetElementsByTagName("faultcode")[0]!;
        Assert.Equal("wsse:InvalidSecurityToken", code.InnerText);
        Assert.Equal(SoapEnvelopeBuilder.WsseNamespace, code.GetNamespaceOfPrefix("wsse"));
        Assert.DoesNotContain("alice", fault.OuterXml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NoCredentialWithSoapFaults_AnswersFailedAuthentication()
    {
        await using var host = await StartAsync(o => o.SoapFaults = true);

        using var response = await PostAsync(host, SoapEnvelopes.Valid(soap12: false, SignedV(host), SoapEnvelopes.OtherActor));

        AssertNoCredential(host, response);
        Assert.Contains("<faultcode>wsse:FailedAuthentication</faultcode>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_RejectedWithoutSoapFaults_HasNoBody()
    {
        await using var host = await StartAsync();
        var envelope = SoapEnvelopes.New(soap12: true);
        envelope.AddAssertion(envelope.Body, SignedV(host));

        using var response = await PostAsync(host, envelope);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Post_NonSoapXmlWithSoapFaults_GetsNoFault()
    {
        await using var host = await StartAsync(o => o.SoapFaults = true);

        using var response = await PostAsync(host, SoapEnvelopes.Bytes("<orders/>"), "text/xml");

        AssertNoCredential(host, response);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_RejectedWithSoapFaults_GetsNoFault()
    {
        await using var host = await StartAsync(o => o.SoapFaults = true);

        using var response = await host.GetAsync("/whoami", "garbage!");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    // Row 80: SoapLogScan

    [Fact]
    public async Task Logs_AfterEverySoapCase_HoldNoEnvelopeAssertionTokenOrSecret()
    {
        await using var host = await StartAsync(o => o.SoapFaults = true);
        using var listener = new RecordingTcpListener();
        var v = SignedV(host, b => b.Attributes.Add(new("urn:marker", [Marker])));
        var encoded = Saml2AssertionBuilder.Encode(v);
        var cases = new List<(byte[] Body, string ContentType)>();
        void Add(SoapEnvelopeBuilder envelope) => cases.Add((envelope.ToBytes(), envelope.ContentType));
        foreach (var soap12 in new[] { false, true })
        {
            Add(SoapEnvelopes.Valid(soap12, v));
            Add(SoapEnvelopes.Valid(soap12, v, SoapEnvelopes.OtherActor));
            var inBody = SoapEnvelopes.Valid(soap12, v);
            inBody.AddAssertion(inBody.Body, v);
            Add(inBody);
            var two = SoapEnvelopes.Valid(soap12, v);
            two.AddAssertion(two.AddSecurityHeader(), v);
            Add(two);
            var twoAssertions = SoapEnvelopes.Valid(soap12, v);
            twoAssertions.AddAssertion((XmlElement)twoAssertions.Header.FirstChild!, v);
            Add(twoAssertions);
            var wrapped = SoapEnvelopes.Valid(soap12, SoapEnvelopes.EvilCopy(v));
            wrapped.AddAssertion(wrapped.AddElement(wrapped.Header, "x", "Audit", "urn:example:audit"), v);
            Add(wrapped);
            var nested = SoapEnvelopes.New(soap12);
            nested.AddAssertion(nested.AddElement(nested.AddSecurityHeader(), "wsse", "BinarySecurityToken", SoapEnvelopeBuilder.WsseNamespace), v);
            Add(nested);
            var mustUnderstand = SoapEnvelopes.New(soap12);
            mustUnderstand.AddAssertion(mustUnderstand.AddSecurityHeader(mustUnderstand: "maybe"), v);
            Add(mustUnderstand);
            var contentType = soap12 ? "application/soap+xml" : "text/xml";
            var plain = SoapEnvelopes.Valid(soap12, v);
            cases.Add((SoapEnvelopes.Bytes(SoapEnvelopes.WithDoctype(plain)), contentType));
            cases.Add((SoapEnvelopes.Bytes(SoapEnvelopes.WithExternalEntity(plain, listener.Url("xxe"))), contentType));
            cases.Add((SoapEnvelopes.Bytes(SoapEnvelopes.WithBillionLaughs(plain)), contentType));
            cases.Add((SoapEnvelopes.Bytes(SoapEnvelopes.WithDeepNesting(plain, 10_000)), contentType));
            cases.Add((plain.ToBytes(), soap12 ? "text/xml" : "application/soap+xml"));
            cases.Add((plain.ToBytes(), "application/xml"));
            cases.Add((SoapEnvelopes.Bytes(SoapEnvelopes.Text(plain) + new string(' ', 300_000)), contentType));
        }

        foreach (var (body, contentType) in cases)
        {
            using var response = await PostAsync(host, body, contentType);
            Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        var logs = host.Logs.AllText;
        Assert.NotEmpty(host.Logs.Entries);
        Assert.Contains("[1001:AssertionRejected]", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Marker, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("alice@example.com", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(MaliciousAssertions.EvilNameId, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("<soap:", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("xmlns", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("GetOrders", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("<saml", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wsse:", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(encoded[..40], logs, StringComparison.Ordinal);
        Assert.DoesNotContain(RecordingTokenService.AccessTokenPrefix, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Saml2BearerTestHost.ClientSecret, logs, StringComparison.Ordinal);
        Assert.Equal(0, listener.Connections);
    }

    private sealed record SoapEcho(string? Name, string Body);
}
