using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Testing;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Benchmarks;

/// <summary>
/// The cost of validating one typical (~5 KB) signed assertion, against the bare
/// <see cref="SignedXml.CheckSignature(X509Certificate2, bool)"/> of the same bytes. All benchmarks are
/// in one class so they run in one invocation and the ratios compare like with like.
/// </summary>
[MemoryDiagnoser]
public class Saml2AssertionValidationBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private TestSigningKey _key = default!;
    private X509Certificate2 _certificate = default!;
    private RSA _publicKey = default!;
    private Saml2AssertionValidationParameters _parameters = default!;
    private Saml2AssertionValidator _validator = default!;
    private byte[] _xml = default!;
    private string _encoded = default!;

    [GlobalSetup]
    public void Setup()
    {
        _key = TestSigningKey.CreateRsa("CN=Benchmark IdP");
        _certificate = _key.PublicCertificate;
        _publicKey = _certificate.GetRSAPublicKey()!;

        var builder = new Saml2AssertionBuilder(Now);
        AddTypicalAttributes(builder);
        var document = builder.BuildSigned(_key);
        _xml = Saml2AssertionBuilder.ToBytes(document);
        _encoded = Convert.ToBase64String(_xml);

        _parameters = new Saml2AssertionValidationParameters { TimeProvider = new FakeTimeProvider(Now) };
        _parameters.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, _certificate);
        _parameters.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        _parameters.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        _validator = new Saml2AssertionValidator(_parameters);

        // Every benchmark must measure the accepting path, never a rejection.
        if (!SignedXmlCheckSignature())
        {
            throw new InvalidOperationException("The baseline SignedXml check rejected the benchmark assertion.");
        }

        if (!SignedXmlCheckSignatureWithKey())
        {
            throw new InvalidOperationException("The SignedXml check with a pre-extracted key rejected the benchmark assertion.");
        }

        if (DecodeOnly() is not { } decoded || !decoded.AsSpan().SequenceEqual(_xml))
        {
            throw new InvalidOperationException("The decoder did not return the assertion's bytes.");
        }

        var result = _validator.ValidateAsync(_encoded).AsTask().GetAwaiter().GetResult();
        if (!result.IsValid)
        {
            throw new InvalidOperationException($"The validator rejected the benchmark assertion: {result.FailureReason}.");
        }

        Console.WriteLine($"// Assertion: {_xml.Length} bytes of XML, {_encoded.Length} characters of base64.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _publicKey.Dispose();
        _certificate.Dispose();
        _key.Dispose();
    }

    /// <summary>What any SignedXml user pays: parse, find the signature, verify with the certificate.</summary>
    [Benchmark(Baseline = true)]
    public bool SignedXmlCheckSignature()
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using (var stream = new MemoryStream(_xml, writable: false))
        {
            document.Load(stream);
        }

        var signatureElement = (XmlElement)document.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl)[0]!;
        var signedXml = new SignedXml(document);
        signedXml.LoadXml(signatureElement);
        return signedXml.CheckSignature(_certificate, verifySignatureOnly: true);
    }

    /// <summary>
    /// The baseline without its per-call key extraction from the certificate (the validator extracts
    /// its keys once, at construction): SignedXml on equal terms.
    /// </summary>
    [Benchmark]
    public bool SignedXmlCheckSignatureWithKey()
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using (var stream = new MemoryStream(_xml, writable: false))
        {
            document.Load(stream);
        }

        var signatureElement = (XmlElement)document.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl)[0]!;
        var signedXml = new SignedXml(document);
        signedXml.LoadXml(signatureElement);
        return signedXml.CheckSignature(_publicKey);
    }

    [Benchmark]
    public byte[]? DecodeOnly() => Saml2AssertionDecoder.Decode(_encoded, _parameters).Xml;

    [Benchmark]
    public ValueTask<Saml2AssertionValidationResult> DecodeAndValidate() => _validator.ValidateAsync(_encoded);

    /// <summary>What a corporate IdP typically releases: identity, profile, and a few groups.</summary>
    private static void AddTypicalAttributes(Saml2AssertionBuilder builder)
    {
        const string Claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";
        builder.Attributes.Add(new(Claims + "givenname", ["Alice"]));
        builder.Attributes.Add(new(Claims + "surname", ["Example"]));
        builder.Attributes.Add(new(Claims + "upn", ["alice@corp.example.com"]));
        builder.Attributes.Add(new("http://schemas.microsoft.com/identity/claims/displayname", ["Alice Example (Finance)"]));
        builder.Attributes.Add(new("http://schemas.microsoft.com/identity/claims/objectidentifier", ["6f1c2a1e-3b7d-4c55-9f0e-2d8a7b4c9e10"]));
        builder.Attributes.Add(new("urn:oid:2.5.4.11", ["Finance and Controlling"]));
        builder.Attributes.Add(new(
            "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
            [.. Enumerable.Range(1, 6).Select(i => $"grp-finance-app-{i:D2}")]));
    }
}
