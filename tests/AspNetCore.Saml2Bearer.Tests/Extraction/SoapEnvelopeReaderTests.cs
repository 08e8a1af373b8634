using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Extraction;

/// <summary>The pure XML part of the SOAP input (rows 69–80 at the envelope level): no HTTP here.</summary>
public sealed class SoapEnvelopeReaderTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const int MaximumCharacters = 256 * 1024;
    private const int MaximumDepth = 512 + SoapEnvelopeReader.EnvelopeDepth;

    private XmlDocument SignedV() => fixture.NewAssertion().BuildSigned(fixture.IdpKey);

    private static SoapEnvelopeReadResult Read(SoapEnvelopeBuilder envelope) =>
        Read(envelope.ToBytes(), envelope.IsSoap12 ? SoapVersion.Soap12 : SoapVersion.Soap11);

    private static SoapEnvelopeReadResult Read(byte[] envelope, SoapVersion version) =>
        SoapEnvelopeReader.Read(envelope, version, MaximumCharacters, MaximumDepth);

    private static byte[] WithoutSecurityHeader(SoapEnvelopeBuilder envelope, SoapEnvelopeReadResult result) =>
        SoapEnvelopeReader.WithoutSecurityHeader(envelope.ToBytes(), result.SecurityHeaderIndex!.Value, MaximumCharacters, MaximumDepth)!;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_OneSecurityHeaderWithV_DetachesAnAssertionThatValidatesAlone(bool soap12)
    {
        var result = Read(SoapEnvelopes.Valid(soap12, SignedV()));

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var validation = await fixture.CreateValidator().ValidateDecodedAsync(result.AssertionXml!);
        Assert.True(validation.IsValid, validation.FailureReason.ToString());
        Assert.Equal("alice@example.com", validation.Assertion!.NameId.Value);
    }

    [Fact]
    public void Read_NamespacesDeclaredOnTheEnvelopeOnly_PushesThemDownOntoTheDetachedAssertion()
    {
        var envelope = SoapEnvelopes.Valid(soap12: false, SignedV());
        Assert.Single(SoapEnvelopes.Text(envelope).Split("xmlns:saml=")[1..]);

        var detached = new XmlDocument();
        detached.LoadXml(Encoding.UTF8.GetString(Read(envelope).AssertionXml!));

        Assert.Equal(Saml2AssertionBuilder.AssertionNs, detached.DocumentElement!.GetAttribute("xmlns:saml"));
        Assert.Equal("Assertion", detached.DocumentElement.LocalName);
    }

    [Theory]
    [InlineData(false, SoapEnvelopes.Soap11Next)]
    [InlineData(true, SoapEnvelopes.Soap12UltimateReceiver)]
    [InlineData(true, SoapEnvelopes.Soap12Next)]
    public void Read_SecurityHeaderForThisNodeByRole_FindsTheAssertion(bool soap12, string actor)
    {
        Assert.Equal(SoapEnvelopeOutcome.Assertion, Read(SoapEnvelopes.Valid(soap12, SignedV(), actor)).Outcome);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_SecurityHeaderForAnotherActorOnly_FindsNoCredential(bool soap12)
    {
        // Row 74: SoapOtherActor.
        Assert.Equal(SoapEnvelopeOutcome.NoAssertion, Read(SoapEnvelopes.Valid(soap12, SignedV(), SoapEnvelopes.OtherActor)).Outcome);
    }

    [Fact]
    public void Read_Soap12NoneRole_IsNotForThisNode()
    {
        var result = Read(SoapEnvelopes.Valid(soap12: true, SignedV(), "http://www.w3.org/2003/05/soap-envelope/role/none"));

        Assert.Equal(SoapEnvelopeOutcome.NoAssertion, result.Outcome);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_OtherActorHeaderWithMustUnderstandPlusOurs_TakesOursOnly(bool soap12)
    {
        // Row 74 with a mustUnderstand game: the other actor's header (holding an evil copy) is not ours to understand.
        var v = SignedV();
        var envelope = SoapEnvelopes.New(soap12);
        envelope.AddAssertion(envelope.AddSecurityHeader(SoapEnvelopes.OtherActor, mustUnderstand: "1"), SoapEnvelopes.EvilCopy(v));
        envelope.AddAssertion(envelope.AddSecurityHeader(mustUnderstand: null), v);

        var result = Read(envelope);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var validation = await fixture.CreateValidator().ValidateDecodedAsync(result.AssertionXml!);
        Assert.Equal("alice@example.com", validation.Assertion?.NameId.Value);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(false, SoapEnvelopes.Soap11Next)]
    [InlineData(true, SoapEnvelopes.Soap12UltimateReceiver)]
    [InlineData(true, SoapEnvelopes.Soap12Next)]
    public void Read_TwoSecurityHeadersForThisNode_IsRejected(bool soap12, string? secondActor)
    {
        // Row 72: SoapTwoSecurityHeaders, each valid alone (the second addressed by role, or with mustUnderstand off).
        var envelope = SoapEnvelopes.Valid(soap12, SignedV());
        envelope.AddAssertion(envelope.AddSecurityHeader(secondActor, mustUnderstand: "0"), SignedV());

        Assert.Equal(Saml2AssertionFailureReason.SoapMultipleSecurityHeaders, Read(envelope).FailureReason);
    }

    [Fact]
    public void Read_TwoAssertionsInTheSecurityHeader_IsRejected()
    {
        // Row 73: SoapTwoAssertions.
        var envelope = SoapEnvelopes.Valid(soap12: false, SignedV());
        envelope.AddAssertion((XmlElement)envelope.Header.FirstChild!, SignedV());

        Assert.Equal(Saml2AssertionFailureReason.SoapMultipleAssertions, Read(envelope).FailureReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_OnlyAssertionInTheBody_IsRejected(bool soap12)
    {
        // Row 70: SoapBodyAssertion.
        var envelope = SoapEnvelopes.New(soap12);
        envelope.AddSecurityHeader();
        envelope.AddAssertion(envelope.Body, SignedV());

        Assert.Equal(Saml2AssertionFailureReason.SoapAssertionInBody, Read(envelope).FailureReason);
    }

    [Fact]
    public void Read_ValidHeaderAssertionAndASecondInTheBody_IsRejected()
    {
        // Row 70, second form: the Body never holds an assertion, even beside a valid header one.
        var envelope = SoapEnvelopes.Valid(soap12: true, SignedV());
        envelope.AddAssertion(envelope.AddElement(envelope.Body, "m", "Echo", "urn:example:orders"), SignedV());

        Assert.Equal(Saml2AssertionFailureReason.SoapAssertionInBody, Read(envelope).FailureReason);
    }

    [Fact]
    public void Read_SignedOriginalInBodyEvilCopyWithSameIdInHeader_IsRejected()
    {
        // Row 71: SoapWrapAcrossEnvelope.
        var v = SignedV();
        var envelope = SoapEnvelopes.New(soap12: false);
        envelope.AddAssertion(envelope.AddSecurityHeader(), SoapEnvelopes.EvilCopy(v));
        envelope.AddAssertion(envelope.Body, v);

        Assert.Equal(Saml2AssertionFailureReason.SoapAssertionInBody, Read(envelope).FailureReason);
    }

    [Fact]
    public async Task Read_SignedOriginalInAnotherHeaderEvilCopyInSecurity_DetachesOnlyTheEvilCopyWhichFailsItsDigest()
    {
        // Row 71, other form: the original out of the Body, in a header we ignore. Detaching leaves the
        // signature no element to resolve but the one it sits in.
        var v = SignedV();
        var envelope = SoapEnvelopes.New(soap12: true);
        envelope.AddAssertion(envelope.AddSecurityHeader(), SoapEnvelopes.EvilCopy(v));
        envelope.AddAssertion(envelope.AddElement(envelope.Header, "x", "Audit", "urn:example:audit"), v);

        var result = Read(envelope);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var validation = await fixture.CreateValidator().ValidateDecodedAsync(result.AssertionXml!);
        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, validation.FailureReason);
    }

    [Theory]
    [InlineData(null, Saml2AssertionFailureReason.DuplicateId)]
    [InlineData("_evil", Saml2AssertionFailureReason.MultipleAssertions)]
    public async Task Read_EvilAssertionInHeaderWrappingTheOriginal_IsRejectedByTheValidator(string? evilId, Saml2AssertionFailureReason expected)
    {
        // Row 71, third form: the evil assertion is the direct child; the signed original hides inside it.
        var v = SignedV();
        var evil = SoapEnvelopes.EvilCopy(v);
        if (evilId is not null)
        {
            evil.DocumentElement!.SetAttribute("ID", evilId);
        }

        var advice = evil.CreateElement("saml", "Advice", Saml2AssertionBuilder.AssertionNs);
        advice.AppendChild(evil.ImportNode(v.DocumentElement!, deep: true));
        evil.DocumentElement!.AppendChild(advice);
        var envelope = SoapEnvelopes.New(soap12: false);
        envelope.AddAssertion(envelope.AddSecurityHeader(), evil);

        var result = Read(envelope);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var validation = await fixture.CreateValidator().ValidateDecodedAsync(result.AssertionXml!);
        Assert.Equal(expected, validation.FailureReason);
    }

    [Theory]
    [InlineData("urn:example:wrapper", "Wrapper")]
    [InlineData(SoapEnvelopeBuilder.WsseNamespace, "BinarySecurityToken")]
    [InlineData(SoapEnvelopeBuilder.WsseNamespace, "SecurityTokenReference")]
    public void Read_AssertionWrappedInsideTheSecurityHeader_IsRejected(string wrapperNamespace, string wrapperName)
    {
        // Row 75: SoapNested.
        var envelope = SoapEnvelopes.New(soap12: true);
        var security = envelope.AddSecurityHeader();
        envelope.AddAssertion(envelope.AddElement(security, "w", wrapperName, wrapperNamespace), SignedV());

        Assert.Equal(Saml2AssertionFailureReason.SoapAssertionNotDirectChild, Read(envelope).FailureReason);
    }

    [Fact]
    public void Read_AssertionAsBase64InBinarySecurityToken_IsNotACredential()
    {
        // Row 75, base64 form: the token profile puts SAML in the header as XML; the text is never decoded.
        var envelope = SoapEnvelopes.New(soap12: false);
        var token = envelope.AddElement(envelope.AddSecurityHeader(), "wsse", "BinarySecurityToken", SoapEnvelopeBuilder.WsseNamespace);
        token.SetAttribute("ValueType", "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0");
        token.InnerText = Saml2AssertionBuilder.Encode(SignedV());

        Assert.Equal(SoapEnvelopeOutcome.NoAssertion, Read(envelope).Outcome);
    }

    [Fact]
    public void Read_EncryptedAssertion_IsRejected()
    {
        var envelope = SoapEnvelopes.New(soap12: false);
        envelope.AddElement(envelope.AddSecurityHeader(), "saml", "EncryptedAssertion", Saml2AssertionBuilder.AssertionNs);

        Assert.Equal(Saml2AssertionFailureReason.SoapEncryptedAssertion, Read(envelope).FailureReason);
    }

    [Fact]
    public void Read_SecurityTokenReferenceAndWss11AdditionsBesideTheAssertion_AreAccepted()
    {
        var envelope = SoapEnvelopes.Valid(soap12: true, SignedV());
        var security = (XmlElement)envelope.Header.FirstChild!;
        var reference = envelope.AddElement(security, "wsse", "SecurityTokenReference", SoapEnvelopeBuilder.WsseNamespace);
        var keyIdentifier = envelope.AddElement(reference, "wsse", "KeyIdentifier", SoapEnvelopeBuilder.WsseNamespace);
        keyIdentifier.SetAttribute("ValueType", "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID");
        keyIdentifier.InnerText = Saml(envelope).GetAttribute("ID");
        envelope.AddElement(security, "wsse11", "SignatureConfirmation", "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd");
        envelope.AddElement(security, "wsu", "Timestamp", SoapEnvelopeBuilder.WsuNamespace);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, Read(envelope).Outcome);
    }

    [Theory]
    [InlineData(false, "true")]
    [InlineData(false, "yes")]
    [InlineData(true, "yes")]
    [InlineData(true, "")]
    public void Read_SecurityHeaderWithInvalidMustUnderstand_IsRejected(bool soap12, string mustUnderstand)
    {
        // mustUnderstand games: SOAP 1.1 allows 0/1 only; SOAP 1.2 an xs:boolean.
        var envelope = SoapEnvelopes.New(soap12);
        envelope.AddAssertion(envelope.AddSecurityHeader(mustUnderstand: mustUnderstand), SignedV());

        Assert.Equal(Saml2AssertionFailureReason.SoapInvalidMustUnderstand, Read(envelope).FailureReason);
    }

    [Theory]
    [InlineData(false, "0")]
    [InlineData(true, "true")]
    [InlineData(true, "false")]
    public void Read_SecurityHeaderWithValidMustUnderstand_IsProcessedEitherWay(bool soap12, string mustUnderstand)
    {
        var envelope = SoapEnvelopes.New(soap12);
        envelope.AddAssertion(envelope.AddSecurityHeader(mustUnderstand: mustUnderstand), SignedV());

        Assert.Equal(SoapEnvelopeOutcome.Assertion, Read(envelope).Outcome);
    }

    [Fact]
    public void Read_Doctype_IsRejected()
    {
        // Row 76: SoapDtd.
        var bytes = SoapEnvelopes.Bytes(SoapEnvelopes.WithDoctype(SoapEnvelopes.Valid(soap12: false, SignedV())));

        Assert.Equal(Saml2AssertionFailureReason.SoapEnvelopeMalformed, Read(bytes, SoapVersion.Soap11).FailureReason);
    }

    [Fact]
    public void Read_ExternalEntity_IsRejectedWithoutFetching()
    {
        // Row 76: SoapXxe.
        using var listener = new RecordingTcpListener();
        var bytes = SoapEnvelopes.Bytes(SoapEnvelopes.WithExternalEntity(SoapEnvelopes.Valid(soap12: true, SignedV()), listener.Url("xxe")));

        Assert.Equal(Saml2AssertionFailureReason.SoapEnvelopeMalformed, Read(bytes, SoapVersion.Soap12).FailureReason);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public void Read_EntityExpansion_IsRejected()
    {
        // Row 76: SoapExpansion.
        var bytes = SoapEnvelopes.Bytes(SoapEnvelopes.WithBillionLaughs(SoapEnvelopes.Valid(soap12: false, SignedV())));

        Assert.Equal(Saml2AssertionFailureReason.SoapEnvelopeMalformed, Read(bytes, SoapVersion.Soap11).FailureReason);
    }

    [Fact]
    public void Read_TenThousandNestedElements_IsRejected()
    {
        // Row 77: SoapDeep.
        var bytes = SoapEnvelopes.Bytes(SoapEnvelopes.WithDeepNesting(SoapEnvelopes.Valid(soap12: false, SignedV()), 10_000));

        Assert.Equal(Saml2AssertionFailureReason.SoapEnvelopeTooDeep, Read(bytes, SoapVersion.Soap11).FailureReason);
    }

    [Fact]
    public void Read_MoreCharactersThanAllowed_IsRejected()
    {
        var envelope = SoapEnvelopes.Valid(soap12: false, SignedV());

        var result = SoapEnvelopeReader.Read(envelope.ToBytes(), SoapVersion.Soap11, maximumCharacters: 1024, MaximumDepth);

        Assert.Equal(Saml2AssertionFailureReason.SoapEnvelopeMalformed, result.FailureReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_EnvelopeNamespaceOfTheOtherVersion_IsRejected(bool soap12)
    {
        // Row 78: SoapVersionMismatch.
        var envelope = SoapEnvelopes.Valid(soap12, SignedV());

        var result = Read(envelope.ToBytes(), soap12 ? SoapVersion.Soap11 : SoapVersion.Soap12);

        Assert.Equal(Saml2AssertionFailureReason.SoapVersionMismatch, result.FailureReason);
    }

    [Theory]
    [InlineData("<Envelope><Header/><Body/></Envelope>")]
    [InlineData("<orders xmlns=\"urn:example:orders\"><order id=\"1\"/></orders>")]
    public void Read_XmlThatIsNotASoapEnvelope_IsNotACredential(string xml)
    {
        // Row 78: not an Envelope.
        Assert.Equal(SoapEnvelopeOutcome.NotAnEnvelope, Read(SoapEnvelopes.Bytes(xml), SoapVersion.Soap11).Outcome);
    }

    [Theory]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header/></soap:Envelope>")]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/><soap:Body/></soap:Envelope>")]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/><soap:Header/></soap:Envelope>")]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><x:Extra xmlns:x=\"urn:x\"/><soap:Body/></soap:Envelope>")]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/>")]
    public void Read_EnvelopeWithoutTheSoapStructure_IsRejected(string xml)
    {
        Assert.Equal(Saml2AssertionFailureReason.SoapEnvelopeMalformed, Read(SoapEnvelopes.Bytes(xml), SoapVersion.Soap11).FailureReason);
    }

    [Fact]
    public void Read_NoSecurityHeader_IsNotACredential()
    {
        var envelope = SoapEnvelopes.New(soap12: true);
        SoapEnvelopes.AddPayload(envelope);

        Assert.Equal(SoapEnvelopeOutcome.NoAssertion, Read(envelope).Outcome);
    }

    [Fact]
    public void Read_Saml11AssertionInTheSecurityHeader_IsDetachedForTheValidator()
    {
        // The SAML 1.1 path: a saml1:Assertion child is handed on the same way; the validator decides.
        var envelope = SoapEnvelopes.New(soap12: false).Declare("saml1", "urn:oasis:names:tc:SAML:1.0:assertion");
        var assertion = envelope.AddElement(envelope.AddSecurityHeader(), "saml1", "Assertion", "urn:oasis:names:tc:SAML:1.0:assertion");
        assertion.SetAttribute("AssertionID", "_a1");

        var result = Read(envelope);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var detached = new XmlDocument();
        detached.LoadXml(Encoding.UTF8.GetString(result.AssertionXml!));
        Assert.Equal("urn:oasis:names:tc:SAML:1.0:assertion", detached.DocumentElement!.NamespaceURI);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithoutSecurityHeader_RemovesTheHeaderAndKeepsTheBody(bool soap12)
    {
        var envelope = SoapEnvelopes.Valid(soap12, SignedV());
        envelope.AddElement(envelope.Header, "x", "Trace", "urn:example:trace").InnerText = "t-1";
        var result = Read(envelope);

        var forwarded = new XmlDocument { PreserveWhitespace = true };
        forwarded.LoadXml(Encoding.UTF8.GetString(WithoutSecurityHeader(envelope, result)));

        Assert.Empty(forwarded.GetElementsByTagName("Security", SoapEnvelopeBuilder.WsseNamespace));
        Assert.Empty(forwarded.GetElementsByTagName("Assertion", Saml2AssertionBuilder.AssertionNs));
        Assert.Equal("t-1", forwarded.GetElementsByTagName("Trace", "urn:example:trace")[0]!.InnerText);
        Assert.Equal(envelope.Body.InnerXml, forwarded.GetElementsByTagName("Body", envelope.Namespace)[0]!.InnerXml);
        Assert.Equal(SoapEnvelopeOutcome.NoAssertion, Read(SoapEnvelopes.Bytes(forwarded.OuterXml), soap12 ? SoapVersion.Soap12 : SoapVersion.Soap11).Outcome);
    }

    [Fact]
    public void WithoutSecurityHeader_OnlyHeader_RemovesTheEmptyHeaderElement()
    {
        var envelope = SoapEnvelopes.Valid(soap12: false, SignedV());
        var result = Read(envelope);

        var forwarded = Encoding.UTF8.GetString(WithoutSecurityHeader(envelope, result));

        Assert.DoesNotContain("Header", forwarded, StringComparison.Ordinal);
        Assert.Contains(SoapEnvelopes.BodyText.Replace(" xmlns:m=\"urn:example:orders\"", string.Empty, StringComparison.Ordinal)[..10], forwarded, StringComparison.Ordinal);
    }

    // The detached document is validated as is (the bytes are not parsed again): it must be the very tree
    // the validator's own load of the bytes builds, for whatever the envelope's text looks like.

    [Theory]
    [InlineData("")]
    [InlineData(" xmlns=\"urn:example:default\"")]
    public void Read_DetachedDocument_IsTheTreeItsBytesLoadBackInto(string envelopeDefaultNamespace)
    {
        const string Saml = Saml2AssertionBuilder.AssertionNs;
        var text =
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"" + envelopeDefaultNamespace + ">\r\n"
            + "<soap:Header xmlns:saml=\"" + Saml + "\" xmlns:x=\"urn:example:unused\">"
            + "<wsse:Security xmlns:wsse=\"" + SoapEnvelopeBuilder.WsseNamespace + "\" xmlns:saml=\"" + Saml + "\">"
            + "<saml:Assertion ID=\"_a&#13;b\" Version=\"2.0\" x:note=\" tab&#9;cr&#13;lf&#10; \" xml:lang=\"en\">\r\n\t"
            + "<saml:Issuer>idp&#13;&#10;line\r\nnext</saml:Issuer><!-- a comment --><?pi data?>"
            + "<plain>default &amp; &lt;escaped&gt; ]]&gt;</plain><empty xmlns=\"\"/><![CDATA[<not-markup> & ]]>"
            + "<saml:Attribute Name=\"a\" xmlns:saml=\"" + Saml + "\"><saml:AttributeValue>&#x1F600;\u00e9</saml:AttributeValue></saml:Attribute>"
            + "</saml:Assertion></wsse:Security></soap:Header>\r\n<soap:Body/></soap:Envelope>";

        var result = Read(SoapEnvelopes.Bytes(text), SoapVersion.Soap11);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var reloaded = SecureXmlLoader.Load(result.AssertionXml!, fixture.CreateParameters(), out var reason);
        Assert.Equal(Saml2AssertionFailureReason.None, reason);
        Assert.Equal(XmlTreeDump.Of(reloaded!), XmlTreeDump.Of(result.AssertionDocument!));
        Assert.Contains("CDATA:", XmlTreeDump.Of(result.AssertionDocument!), StringComparison.Ordinal);
        Assert.Contains("\\r", XmlTreeDump.Of(result.AssertionDocument!), StringComparison.Ordinal);
    }

    // The bytes are the assertion's own text from the request, with the declarations in scope at its
    // place that it may use added to its start tag (here saml and x, not wsse and soap): wherever in the
    // text it sits (line breaks of every kind, characters of every width and a byte order mark before it;
    // any node after it).

    [Theory]
    [InlineData("", "", "")]
    [InlineData("\uFEFF", "", "")]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n", "<!-- \u00e9\U0001F600\r\nline\rnext\n\rlast --><x:Trace>\u00fc\r\n</x:Trace>\r\n", "\r\n  ")]
    [InlineData("\uFEFF<?xml version=\"1.0\"?>", "\n\n<!--\u00e9-->", "<!--after-->")]
    [InlineData("", "<x:Trace><![CDATA[\r\n\u4e2d]]></x:Trace><!--\u00e9\U0001F600-->", "<?pi after?>")]
    [InlineData("", "\r", "<x:After/>")]
    [InlineData("", "", "<![CDATA[after]]>")]
    public void Read_DetachedBytes_AreTheAssertionsOwnTextWithTheNamespacesInScopeDeclared(string prolog, string beforeAssertion, string afterAssertion)
    {
        const string Saml = Saml2AssertionBuilder.AssertionNs;
        const string Soap = "http://schemas.xmlsoap.org/soap/envelope/";
        const string Assertion =
            "<saml:Assertion ID=\"_a&#13;b\"\r\n   Version=\"2.0\" x:note=\" tab&#9;\u00e9\">\r\n\t<saml:Issuer>idp\r\n\u00e9\U0001F600</saml:Issuer>"
            + "<![CDATA[<not-markup>]]><saml:Subject\n/></saml:Assertion \r\n>";
        var text = prolog + "<soap:Envelope xmlns:soap=\"" + Soap + "\">\r\n<soap:Header xmlns:x=\"urn:example:x&amp;&#9;y\">" + beforeAssertion
            + "<wsse:Security xmlns:wsse=\"" + SoapEnvelopeBuilder.WsseNamespace + "\" xmlns:saml=\"" + Saml + "\">" + Assertion + afterAssertion
            + "</wsse:Security></soap:Header>\r\n<soap:Body/></soap:Envelope>";

        var result = Read(SoapEnvelopes.Bytes(text), SoapVersion.Soap11);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var declared = " xmlns:x=\"urn:example:x&amp;&#x9;y\" xmlns:saml=\"" + Saml + "\"";
        Assert.Equal(Assertion.Insert("<saml:Assertion".Length, declared), Encoding.UTF8.GetString(result.AssertionXml!));
        var reloaded = SecureXmlLoader.Load(result.AssertionXml!, fixture.CreateParameters(), out var reason);
        Assert.Equal(Saml2AssertionFailureReason.None, reason);
        Assert.Equal(XmlTreeDump.Of(reloaded!), XmlTreeDump.Of(result.AssertionDocument!));
    }

    // A declaration in scope is pushed down only when the assertion's text may use its prefix: in a name,
    // in a QName value (xsi:type), or listed in an InclusiveNamespaces PrefixList. Leaving the others behind
    // changes neither the canonical form nor what the bytes load back into.

    [Theory]
    [InlineData("<saml:Issuer>idp</saml:Issuer>", "wsse", false)]
    [InlineData("<saml:Issuer>idp</saml:Issuer>", "saml", true)]
    [InlineData("<a s:x=\"1\"/>", "s", true)]
    [InlineData("<a\ts:x=\"1\"/>", "s", true)]
    [InlineData("<a\ns:x=\"1\"/>", "s", true)]
    [InlineData("<v t=\"xs:string\"/>", "xs", true)]
    [InlineData("<v>xs:string</v>", "xs", true)]
    [InlineData("<v><![CDATA[xs:string]]></v>", "xs", true)]
    [InlineData("<v>a&amp;xs:b</v>", "xs", true)]
    [InlineData("<v>\u00e9xs:b</v>", "xs", true)]
    [InlineData("<v>urn:oasis:names:tc:SAML</v>", "s", false)]
    [InlineData("<v>urn:oasis:names:tc:SAML</v>", "tc", true)]
    [InlineData("<ds:Signature/><v>xs</v>", "s", false)]
    [InlineData("<v>xsd:string</v>", "xs", false)]
    [InlineData("<v>axs:string</v>", "xs", false)]
    [InlineData("<ec:InclusiveNamespaces PrefixList=\"xs wsse\"/>", "wsse", true)]
    [InlineData("<ec:InclusiveNamespaces PrefixList=\"xs\"/>", "x", false)]
    [InlineData("<ec:InclusiveNamespaces PrefixList=\"xs\"/>", "xs", true)]
    [InlineData("<v>x&#58;y</v>", "x", true)]
    [InlineData("<v>&#x78;s:y</v>", "xs", true)]
    [InlineData("<v>&#xE9;</v>", "xs", true)]
    [InlineData("<v ID=\"_a&#13;b\">&#x9;&#xD;&#10;&#x20;</v>", "xs", false)]
    [InlineData("<v>&#</v>", "xs", true)]
    [InlineData("<v>&#xFFFFFFFF;</v>", "xs", true)]
    [InlineData("<v>&#x;</v>", "xs", true)]
    [InlineData("<v/>", "", true)]
    public void NamespacePrefixUse_MayUse_ErrsTowardsPushingDown(string text, string prefix, bool expected)
    {
        Assert.Equal(expected, new NamespacePrefixUse(Encoding.UTF8.GetBytes(text)).MayUse(prefix));
    }

    [Fact]
    public async Task Read_EnvelopeDeclaringNamespacesTheAssertionDoesNotUse_LeavesThemBehindAndStillValidates()
    {
        var envelope = SoapEnvelopeBuilder.Soap12().Declare("unused", "urn:example:unused");
        envelope.AddAssertion(envelope.AddSecurityHeader(), SignedV());

        var result = Read(envelope);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var text = Encoding.UTF8.GetString(result.AssertionXml!);
        Assert.Contains("xmlns:saml=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("xmlns:unused=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("xmlns:wsse=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("xmlns:soap=", text, StringComparison.Ordinal);
        Assert.Null(result.AssertionDocument!.DocumentElement!.GetAttributeNode("xmlns:unused"));
        var validation = await fixture.CreateValidator().ValidateLoadedAsync(result.AssertionDocument!, result.AssertionXml!);
        Assert.True(validation.IsValid, validation.FailureReason.ToString());
        var decoded = await fixture.CreateValidator().ValidateDecodedAsync(result.AssertionXml!);
        Assert.True(decoded.IsValid, decoded.FailureReason.ToString());
    }

    [Fact]
    public void Read_PrefixDeclaredOnTwoAncestors_IsPushedDownWithTheNearestDeclaration()
    {
        const string Saml = Saml2AssertionBuilder.AssertionNs;
        var text = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:x=\"urn:example:outer\"><soap:Header>"
            + "<wsse:Security xmlns:wsse=\"" + SoapEnvelopeBuilder.WsseNamespace + "\" xmlns:x=\"urn:example:inner\"><saml:Assertion xmlns:saml=\"" + Saml + "\" ID=\"_a\" Version=\"2.0\" x:note=\"n\"/>"
            + "</wsse:Security></soap:Header><soap:Body/></soap:Envelope>";

        var result = Read(SoapEnvelopes.Bytes(text), SoapVersion.Soap11);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        Assert.Equal(
            "<saml:Assertion xmlns:x=\"urn:example:inner\" xmlns:saml=\"" + Saml + "\" ID=\"_a\" Version=\"2.0\" x:note=\"n\"/>",
            Encoding.UTF8.GetString(result.AssertionXml!));
        Assert.Equal("urn:example:inner", result.AssertionDocument!.DocumentElement!.GetAttribute("xmlns:x"));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00, 0x00, 0x01, 0x02, 0x80, 0x00, 0x20, 0x00, 0x84, 0x84 })]
    [InlineData(new byte[] { 0x00, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x00, 0x3C })]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00, 0x00 })]
    public void Read_InputTheReaderRefusesWhenCreated_IsMalformed(byte[] envelope)
    {
        // Found by build/fuzz.sh: creating the XmlReader reads the first bytes and throws on an encoding it cannot decode.
        var result = Read(envelope, SoapVersion.Soap11);

        Assert.Equal(SoapEnvelopeOutcome.Rejected, result.Outcome);
        Assert.Equal(Saml2AssertionFailureReason.SoapEnvelopeMalformed, result.FailureReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_SiblingAfterTheAssertionRedeclaresItsPrefixes_PushesDownTheNamespacesInScopeAtTheAssertion(bool soap12)
    {
        // Found by build/fuzz.sh: past the assertion the reader may stand on a sibling whose own declarations
        // (saml and ds bound elsewhere here) would otherwise have been taken for the assertion's.
        var envelope = SoapEnvelopes.Valid(soap12, SignedV());
        var security = (XmlElement)envelope.Header.FirstChild!;
        var sibling = envelope.AddElement(security, "x", "Timestamp", "urn:example:timestamp");
        sibling.SetAttribute("xmlns:saml", "urn:example:not-saml");
        sibling.SetAttribute("xmlns:ds", "urn:example:not-dsig");

        var result = Read(envelope);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        var text = Encoding.UTF8.GetString(result.AssertionXml!);
        Assert.Contains("xmlns:saml=\"" + Saml2AssertionBuilder.AssertionNs + "\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("urn:example:not-", text, StringComparison.Ordinal);
        var reloaded = SecureXmlLoader.Load(result.AssertionXml!, fixture.CreateParameters(), out var reason);
        Assert.Equal(Saml2AssertionFailureReason.None, reason);
        Assert.Equal(XmlTreeDump.Of(reloaded!), XmlTreeDump.Of(result.AssertionDocument!));
        Assert.True((await fixture.CreateValidator().ValidateLoadedAsync(result.AssertionDocument!, result.AssertionXml!)).IsValid);
        Assert.True((await fixture.CreateValidator().ValidateDecodedAsync(result.AssertionXml!)).IsValid);
    }

    [Fact]
    public void Read_PrefixUsedOnlyInAnAttributeValue_IsPushedDown()
    {
        // xsi:type="xs:string" with xs declared on the Envelope: the assertion sent on must still say what xs is.
        const string Saml = Saml2AssertionBuilder.AssertionNs;
        var text = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\""
            + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:unused=\"urn:example:unused\"><soap:Header>"
            + "<wsse:Security xmlns:wsse=\"" + SoapEnvelopeBuilder.WsseNamespace + "\"><saml:Assertion xmlns:saml=\"" + Saml + "\" ID=\"_a\" Version=\"2.0\">"
            + "<saml:AttributeValue xsi:type=\"xs:string\">v</saml:AttributeValue></saml:Assertion></wsse:Security></soap:Header><soap:Body/></soap:Envelope>";

        var result = Read(SoapEnvelopes.Bytes(text), SoapVersion.Soap11);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        Assert.StartsWith(
            "<saml:Assertion xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:saml=",
            Encoding.UTF8.GetString(result.AssertionXml!),
            StringComparison.Ordinal);
        var reloaded = SecureXmlLoader.Load(result.AssertionXml!, fixture.CreateParameters(), out var reason);
        Assert.Equal(Saml2AssertionFailureReason.None, reason);
        Assert.Equal(XmlTreeDump.Of(reloaded!), XmlTreeDump.Of(result.AssertionDocument!));
        Assert.Equal("http://www.w3.org/2001/XMLSchema", reloaded!.DocumentElement!.FirstChild!.GetNamespaceOfPrefix("xs"));
    }

    [Theory]
    [InlineData("iso-8859-1")]
    [InlineData("utf-16")]
    public async Task Read_EnvelopeNotInUtf8_WritesTheDetachedDocumentAsUtf8(string encodingName)
    {
        // The assertion's text cannot be taken from the input: the document is written out instead.
        var envelope = SoapEnvelopes.Valid(soap12: true, SignedV());
        var encoding = encodingName == "utf-16" ? Encoding.Unicode : Encoding.Latin1;
        var text = "<?xml version=\"1.0\" encoding=\"" + encodingName + "\"?>"
            + SoapEnvelopes.Text(envelope).Replace("<wsse:Security", "<!-- \u00e9\u00fc --><wsse:Security", StringComparison.Ordinal);
        Assert.Contains("\u00e9\u00fc", text, StringComparison.Ordinal);
        var bytes = encoding.GetPreamble().Concat(encoding.GetBytes(text)).ToArray();

        var result = Read(bytes, SoapVersion.Soap12);

        Assert.Equal(SoapEnvelopeOutcome.Assertion, result.Outcome);
        Assert.StartsWith("<saml:Assertion", Encoding.UTF8.GetString(result.AssertionXml!), StringComparison.Ordinal);
        var reloaded = SecureXmlLoader.Load(result.AssertionXml!, fixture.CreateParameters(), out var reason);
        Assert.Equal(Saml2AssertionFailureReason.None, reason);
        Assert.Equal(XmlTreeDump.Of(reloaded!), XmlTreeDump.Of(result.AssertionDocument!));
        var validation = await fixture.CreateValidator().ValidateLoadedAsync(result.AssertionDocument!, result.AssertionXml!);
        Assert.True(validation.IsValid, validation.FailureReason.ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void WithoutSecurityHeader_EnvelopeWithoutThatHeader_IsNull(int index)
    {
        // Not the envelope that was read (its body was replaced): nothing is removed blindly.
        var envelope = SoapEnvelopes.Valid(soap12: false, SignedV());
        if (index == 0)
        {
            envelope.Header.RemoveAll();
            envelope.AddElement(envelope.Header, "x", "Trace", "urn:example:trace");
        }

        Assert.Null(SoapEnvelopeReader.WithoutSecurityHeader(envelope.ToBytes(), index, MaximumCharacters, MaximumDepth));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task ValidateLoaded_DetachedDocument_AnswersAsValidatingItsBytes(bool soap12, bool tampered)
    {
        var v = SignedV();
        var envelope = SoapEnvelopes.Valid(soap12, tampered ? SoapEnvelopes.EvilCopy(v) : v);
        var result = Read(envelope);
        var validator = fixture.CreateValidator();

        var viaBytes = await validator.ValidateDecodedAsync(result.AssertionXml!);
        var viaDocument = await validator.ValidateLoadedAsync(result.AssertionDocument!, result.AssertionXml!);

        Assert.Equal(!tampered, viaDocument.IsValid);
        Assert.Equal(viaBytes.FailureReason, viaDocument.FailureReason);
        Assert.Equal(viaBytes.Assertion?.NameId.Value, viaDocument.Assertion?.NameId.Value);
        Assert.Equal(tampered ? Saml2AssertionFailureReason.DigestMismatch : Saml2AssertionFailureReason.None, viaDocument.FailureReason);
    }

    [Fact]
    public async Task ValidateLoaded_BytesOverTheDecodedCap_IsRejectedBeforeAnyCheck()
    {
        var result = Read(SoapEnvelopes.Valid(soap12: true, SignedV()));
        var validator = fixture.CreateValidator(p => p.MaximumDecodedLength = result.AssertionXml!.Length - 1);

        var validation = await validator.ValidateLoadedAsync(result.AssertionDocument!, result.AssertionXml!);

        Assert.Equal(Saml2AssertionFailureReason.DecodedSizeExceeded, validation.FailureReason);
    }

    private static XmlElement Saml(SoapEnvelopeBuilder envelope) =>
        (XmlElement)envelope.Document.GetElementsByTagName("Assertion", Saml2AssertionBuilder.AssertionNs)[0]!;
}
