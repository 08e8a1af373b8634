using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.Testing;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Benchmarks;

/// <summary>
/// A SOAP caller against a header caller with the same signed assertion (full validation, no fast path):
/// reading the SOAP 1.2 envelope, finding the one Security header, detaching the assertion and validating
/// it, against decoding the base64 header value and validating it. The target is a ratio within 1.10.
/// </summary>
[MemoryDiagnoser]
public class SoapExtractionBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private TestSigningKey _key = default!;
    private Saml2AssertionValidator _validator = default!;
    private string _encoded = default!;
    private byte[] _envelope = default!;
    private int _maximumDepth;
    private XmlElement _assertionInEnvelope = default!;

    [GlobalSetup]
    public void Setup()
    {
        _key = TestSigningKey.CreateRsa("CN=Benchmark IdP");
        var builder = new Saml2AssertionBuilder(Now);
        const string Claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";
        builder.Attributes.Add(new(Claims + "givenname", ["Alice"]));
        builder.Attributes.Add(new(Claims + "surname", ["Example"]));
        builder.Attributes.Add(new("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", [.. Enumerable.Range(1, 6).Select(i => $"grp-finance-app-{i:D2}")]));
        var document = builder.BuildSigned(_key);
        _encoded = Saml2AssertionBuilder.Encode(document);

        var envelope = SoapEnvelopeBuilder.Soap12();
        envelope.AddAssertion(envelope.AddSecurityHeader(), document);
        var payload = envelope.Document.CreateDocumentFragment();
        payload.InnerXml = "<m:GetOrders xmlns:m=\"urn:example:orders\"><m:Customer>42</m:Customer></m:GetOrders>";
        envelope.Body.AppendChild(payload);
        _envelope = envelope.ToBytes();

        var parameters = new Saml2AssertionValidationParameters { TimeProvider = new FakeTimeProvider(Now) };
        parameters.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, _key.PublicCertificate);
        parameters.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        parameters.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        _validator = new Saml2AssertionValidator(parameters);
        _maximumDepth = parameters.MaximumElementDepth + SoapEnvelopeReader.EnvelopeDepth;
        _assertionInEnvelope = (XmlElement)SoapEnvelopeLoadOnly().GetElementsByTagName("Assertion", Saml2Constants.AssertionNamespace)[0]!;

        // Both must measure the accepting path.
        if (!HeaderDecodeAndValidate().AsTask().GetAwaiter().GetResult().IsValid || !SoapExtractAndValidate().AsTask().GetAwaiter().GetResult().IsValid
            || !SoapExtractAndValidateReparsed().AsTask().GetAwaiter().GetResult().IsValid)
        {
            throw new InvalidOperationException("A benchmark assertion was rejected.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Baseline = true)]
    public ValueTask<Saml2AssertionValidationResult> HeaderDecodeAndValidate() => _validator.ValidateAsync(_encoded);

    /// <summary>What the handler does: the detached, already securely loaded assertion is validated as is.</summary>
    [Benchmark]
    public ValueTask<Saml2AssertionValidationResult> SoapExtractAndValidate()
    {
        var result = SoapEnvelopeReader.Read(_envelope, SoapVersion.Soap12, 256 * 1024, _maximumDepth);
        return _validator.ValidateLoadedAsync(result.AssertionDocument!, result.AssertionXml!);
    }

    /// <summary>The earlier shape, for comparison: the detached assertion's bytes parsed again by the validator.</summary>
    [Benchmark]
    public ValueTask<Saml2AssertionValidationResult> SoapExtractAndValidateReparsed()
    {
        var result = SoapEnvelopeReader.Read(_envelope, SoapVersion.Soap12, 256 * 1024, _maximumDepth);
        return _validator.ValidateDecodedAsync(result.AssertionXml!);
    }

    /// <summary>The SOAP part alone (envelope parse, rules, detach and serialize): where the difference goes.</summary>
    [Benchmark]
    public byte[] SoapExtractOnly() => SoapEnvelopeReader.Read(_envelope, SoapVersion.Soap12, 256 * 1024, _maximumDepth).AssertionXml!;

    /// <summary>Where <see cref="SoapExtractOnly"/> goes, part 1: the secure DOM load of the whole envelope.</summary>
    [Benchmark]
    public XmlDocument SoapEnvelopeLoadOnly()
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var reader = new DepthLimitingXmlReader(
            XmlReader.Create(new MemoryStream(_envelope, writable: false), SecureXmlLoader.CreateReaderSettings(256 * 1024, document.NameTable)), _maximumDepth);
        document.Load(reader);
        return document;
    }

    /// <summary>Part 2: the deep copy of the assertion into its own document with its namespaces pushed down.</summary>
    [Benchmark]
    public XmlDocument SoapDetachOnly() => XmlElementDetacher.Detach(_assertionInEnvelope);

    /// <summary>Parts 2 and 3: the copy, and writing it as the bytes the fast path and the exchange use.</summary>
    [Benchmark]
    public byte[] SoapDetachToBytesOnly() => XmlElementDetacher.DetachToBytes(_assertionInEnvelope);
}
