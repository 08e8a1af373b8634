using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Tests.Extraction;

/// <summary>
/// The strip before forwarding reads the buffered body again (the extractor keeps no copy): it removes
/// exactly the Security header the credential came from, and refuses to forward when that header is gone.
/// </summary>
public sealed class SoapSecurityHeaderRemovalTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private static DefaultHttpContext Request(byte[] body, bool fromSecurityHeader = true)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "application/soap+xml; charset=utf-8";
        context.Request.Body = new MemoryStream(body, writable: false) { Position = body.Length };
        context.Request.ContentLength = body.Length;
        context.Features.Set(new Saml2BearerSoapRequest(SoapVersion.Soap12) { SecurityHeaderIndex = 0, CredentialFromSecurityHeader = fromSecurityHeader });
        return context;
    }

    [Fact]
    public async Task RemoveFromRequest_BufferedEnvelope_ForwardsItWithoutTheSecurityHeader()
    {
        var envelope = SoapEnvelopes.Valid(soap12: true, fixture.NewAssertion().BuildSigned(fixture.IdpKey));
        var context = Request(envelope.ToBytes());

        var length = await SoapSecurityHeaderRemoval.RemoveFromRequestAsync(context, new Saml2BearerOptions());

        var forwarded = new XmlDocument();
        forwarded.Load(context.Request.Body);
        Assert.Equal(context.Request.ContentLength, length);
        Assert.Empty(forwarded.GetElementsByTagName("Security", SoapEnvelopeBuilder.WsseNamespace));
        Assert.Empty(forwarded.GetElementsByTagName("Assertion", Saml2AssertionBuilder.AssertionNs));
        Assert.Single(forwarded.GetElementsByTagName("GetOrders", "urn:example:orders"));
    }

    [Fact]
    public async Task RemoveFromRequest_BodyReplacedAfterAuthentication_ThrowsRatherThanForward()
    {
        var context = Request(Encoding.UTF8.GetBytes("<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body/></soap:Envelope>"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => SoapSecurityHeaderRemoval.RemoveFromRequestAsync(context, new Saml2BearerOptions()).AsTask());
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task RemoveFromRequest_CredentialNotFromTheHeaderOrRemovalOff_LeavesTheBody(bool fromSecurityHeader, bool remove)
    {
        var body = SoapEnvelopes.Valid(soap12: true, fixture.NewAssertion().BuildSigned(fixture.IdpKey)).ToBytes();
        var context = Request(body, fromSecurityHeader);
        var original = context.Request.Body;

        var length = await SoapSecurityHeaderRemoval.RemoveFromRequestAsync(context, new Saml2BearerOptions { RemoveSoapSecurityHeader = remove });

        Assert.Null(length);
        Assert.Same(original, context.Request.Body);
    }
}
