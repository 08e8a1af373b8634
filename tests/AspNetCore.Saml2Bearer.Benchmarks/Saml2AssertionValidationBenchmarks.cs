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
    private Saml2AssertionValidator _saml11Validator = default!;
    private string _saml11Encoded = default!;

    [GlobalSetup]
    public void Setup()
    {
        _key = TestSigningKey.CreateRsa("CN=Benchmark IdP");
        _certificate = _key.PublicCertificate;
        _publicKey = _certificate.GetRSAPublicKey()!;

        var builder = new Saml2AssertionBuilder(Now);
        AddTypicalAttributes(builder.Attributes);
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

        // The same content as SAML 1.1 (AD FS-shaped: two statements, each with its subject, signature last).
        var saml11Builder = new Saml11AssertionBuilder(Now);
        AddTypicalAttributes(saml11Builder.Attributes);
        var saml11Xml = saml11Builder.BuildBytes(_key);
        _saml11Encoded = Convert.ToBase64String(saml11Xml);
        var saml11Parameters = new Saml2AssertionValidationParameters { TimeProvider = new FakeTimeProvider(Now), AllowSaml11 = true };
        saml11Parameters.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, _certificate);
        saml11Parameters.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        saml11Parameters.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
        _saml11Validator = new Saml2AssertionValidator(saml11Parameters);
        var saml11Result = _saml11Validator.ValidateAsync(_saml11Encoded).AsTask().GetAwaiter().GetResult();
        if (!saml11Result.IsValid || saml11Result.Assertion.Version != Saml2AssertionVersion.Saml11)
        {
            throw new InvalidOperationException($"The validator rejected the SAML 1.1 benchmark assertion: {saml11Result.FailureReason}.");
        }

        Console.WriteLine($"// Assertion: {_xml.Length} bytes of XML, {_encoded.Length} characters of base64.");
        Console.WriteLine($"// SAML 1.1 assertion: {saml11Xml.Length} bytes of XML, {_saml11Encoded.Length} characters of base64.");
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

    /// <summary>The same attributes in a SAML 1.1 assertion, through the same validator code.</summary>
    [Benchmark]
    public ValueTask<Saml2AssertionValidationResult> Saml11DecodeAndValidate() => _saml11Validator.ValidateAsync(_saml11Encoded);

    /// <summary>What a corporate IdP typically releases: identity, profile, and a few groups.</summary>
    private static void AddTypicalAttributes(List<KeyValuePair<string, string[]>> attributes)
    {
        const string Claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";
        attributes.Add(new(Claims + "givenname", ["Alice"]));
        attributes.Add(new(Claims + "surname", ["Example"]));
        attributes.Add(new(Claims + "upn", ["alice@corp.example.com"]));
        attributes.Add(new("http://schemas.microsoft.com/identity/claims/displayname", ["Alice Example (Finance)"]));
        attributes.Add(new("http://schemas.microsoft.com/identity/claims/objectidentifier", ["6f1c2a1e-3b7d-4c55-9f0e-2d8a7b4c9e10"]));
        attributes.Add(new("urn:oid:2.5.4.11", ["Finance and Controlling"]));
        attributes.Add(new(
            "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
            [.. Enumerable.Range(1, 6).Select(i => $"grp-finance-app-{i:D2}")]));
    }
}
