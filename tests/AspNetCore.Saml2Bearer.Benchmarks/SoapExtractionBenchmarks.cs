using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.Testing;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Benchmarks;

/// <summary>
/// A SOAP caller against a header caller with the same signed assertion and the same validator (full
/// validation, no fast path), each from what arrives on the wire: the SOAP 1.2 envelope read in one
/// forward-only pass (structure, the one Security header, the Body scanned) with only the assertion built
/// as a document, then validated; against the base64 header value decoded, loaded and validated. The
/// target is a ratio within 1.10, measured as an interleaved pair by <c>build/bench.sh --paired</c>
/// (<see cref="PairedComparison"/>). The <c>Only</c> rows split the parse from the validation.
/// </summary>
[MemoryDiagnoser]
public class SoapExtractionBenchmarks
{
    private const int MaximumEnvelopeSize = 256 * 1024;
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private TestSigningKey _key = default!;
    private Saml2AssertionValidationParameters _parameters = default!;
    private Saml2AssertionValidator _validator = default!;
    private string _encoded = default!;
    private byte[] _envelope = default!;
    private int _maximumDepth;

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

        _parameters = new Saml2AssertionValidationParameters { TimeProvider = new FakeTimeProvider(Now) };
        _parameters.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, _key.PublicCertificate);
        _parameters.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        _parameters.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        _validator = new Saml2AssertionValidator(_parameters);
        _maximumDepth = _parameters.MaximumElementDepth + SoapEnvelopeReader.EnvelopeDepth;

        // Both must measure the accepting path, and the SOAP bytes must be the assertion's own text.
        if (!HeaderDecodeAndValidate().AsTask().GetAwaiter().GetResult().IsValid || !SoapExtractAndValidate().AsTask().GetAwaiter().GetResult().IsValid
            || HeaderDecodeAndLoadOnly() is null || SoapExtractOnly().Length == 0)
        {
            throw new InvalidOperationException("A benchmark assertion was rejected.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Baseline = true)]
    public ValueTask<Saml2AssertionValidationResult> HeaderDecodeAndValidate() => _validator.ValidateAsync(_encoded);

    /// <summary>What the handler does: the envelope read, the assertion (already securely loaded) validated as is.</summary>
    [Benchmark]
    public ValueTask<Saml2AssertionValidationResult> SoapExtractAndValidate()
    {
        var result = SoapEnvelopeReader.Read(_envelope, SoapVersion.Soap12, MaximumEnvelopeSize, _maximumDepth);
        return _validator.ValidateLoadedAsync(result.AssertionDocument!, result.AssertionXml!);
    }

    /// <summary>The header path's parse alone: base64 decode and the secure load of the assertion.</summary>
    [Benchmark]
    public XmlDocument? HeaderDecodeAndLoadOnly() =>
        SecureXmlLoader.Load(Saml2AssertionDecoder.Decode(_encoded, _parameters).Xml!, _parameters, out _);

    /// <summary>The SOAP path's parse alone (the envelope pass, the assertion's document and bytes): the difference goes here.</summary>
    [Benchmark]
    public byte[] SoapExtractOnly() => SoapEnvelopeReader.Read(_envelope, SoapVersion.Soap12, MaximumEnvelopeSize, _maximumDepth).AssertionXml!;

    /// <summary>Reading every node of the envelope with the same settings and nothing else: the floor of any SOAP pass.</summary>
    [Benchmark]
    public int SoapEnvelopeReadOnly()
    {
        using var reader = new DepthLimitingXmlReader(
            XmlReader.Create(new MemoryStream(_envelope, writable: false), SecureXmlLoader.CreateReaderSettings(MaximumEnvelopeSize)), _maximumDepth);
        var nodes = 0;
        while (reader.Read())
        {
            nodes++;
        }

        return nodes;
    }
}
