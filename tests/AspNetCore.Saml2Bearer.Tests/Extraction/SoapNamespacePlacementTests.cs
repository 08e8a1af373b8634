using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AspNetCore.Saml2Bearer.Tests.Extraction;

/// <summary>
/// Where a SOAP client puts the assertion's namespace declarations is its own affair: on the assertion, or
/// hoisted to the Security header, the Header or the Envelope, next to declarations the assertion never
/// uses (some with prefixes that are pieces of the ones it does, some of its own prefixes bound to other
/// namespaces). For hundreds of such envelopes, built from a seeded random choice, the detached assertion
/// must be the tree its bytes load back into, must validate, and must validate as sent on; a prefix used only
/// inside an attribute value (<c>xsi:type="xs:string"</c>) must still be declared in the bytes; and a
/// declaration no text of the assertion refers to is never pushed down.
/// </summary>
public sealed class SoapNamespacePlacementTests(ValidatorFixture fixture, ITestOutputHelper output) : IClassFixture<ValidatorFixture>
{
    private const int Seed = 693;
    private const int Envelopes = 400;
    private const string XmlSchema = "http://www.w3.org/2001/XMLSchema";
    private const string XmlSchemaInstance = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>Prefixes declared for nothing: pieces of used ones, near misses, and two that never occur in an assertion.</summary>
    private static readonly string[] UnusedPrefixes = ["s", "a", "am", "d", "sa", "saml2", "xs2", "x", "ns1", "unusedns", "wsa"];

    /// <summary>Prefixes that occur in no assertion text here at all, so they must never be pushed down.</summary>
    private static readonly string[] NeverInTheText = ["unusedns", "wsa"];

    [Fact]
    public async Task Read_DeclarationsPlacedAnywhereInTheEnvelope_DetachedAssertionValidatesAloneAndAsSentOn()
    {
        var plain = fixture.NewAssertion().BuildSigned(fixture.IdpKey);
        var typedBuilder = fixture.NewAssertion();
        typedBuilder.BeforeSigning = TypeAttributeValues;
        var typed = typedBuilder.BuildSigned(fixture.IdpKey);
        var validator = fixture.CreateValidator();
        var random = new Random(Seed);
        var pushedDown = 0;
        var leftBehind = 0;

        for (var i = 0; i < Envelopes; i++)
        {
            var isTyped = i % 2 == 1;
            var soap12 = i % 4 >= 2;
            var (bytes, unused) = Place(isTyped ? typed : plain, soap12, random);
            var context = $"envelope {i}: {Encoding.UTF8.GetString(bytes)}";

            var read = SoapEnvelopeReader.Read(bytes, soap12 ? SoapVersion.Soap12 : SoapVersion.Soap11, 256 * 1024, 512 + SoapEnvelopeReader.EnvelopeDepth);

            Assert.True(read.Outcome == SoapEnvelopeOutcome.Assertion, $"{read.Outcome} {read.FailureReason} for {context}");
            var detached = Encoding.UTF8.GetString(read.AssertionXml!);
            var reloaded = SecureXmlLoader.Load(read.AssertionXml!, fixture.CreateParameters(), out var loadFailure);
            Assert.True(reloaded is not null, $"{loadFailure} for {context}");
            Assert.True(XmlTreeDump.Of(reloaded!) == XmlTreeDump.Of(read.AssertionDocument!), $"another tree for {context}");
            if (isTyped)
            {
                var value = (XmlElement)reloaded!.GetElementsByTagName("AttributeValue", Saml2AssertionBuilder.AssertionNs)[0]!;
                Assert.True(value.GetNamespaceOfPrefix("xs") == XmlSchema, $"xs undeclared in the bytes for {context}");
            }

            foreach (var prefix in NeverInTheText.Where(unused.Contains))
            {
                Assert.False(detached.Contains("xmlns:" + prefix + "=", StringComparison.Ordinal), $"{prefix} pushed down for {context}");
            }

            pushedDown += unused.Count(p => detached.Contains("xmlns:" + p + "=", StringComparison.Ordinal));
            leftBehind += unused.Count(p => !detached.Contains("xmlns:" + p + "=", StringComparison.Ordinal));
            var local = await validator.ValidateLoadedAsync(read.AssertionDocument!, read.AssertionXml!);
            Assert.True(local.IsValid, $"{local.FailureReason} for {context}");
            var sentOn = await validator.ValidateDecodedAsync(read.AssertionXml!);
            Assert.True(sentOn.IsValid, $"{sentOn.FailureReason} as sent on for {context}");

            if (i % 10 == 0)
            {
                // Tampered inside the envelope: refused here and as sent on.
                var text = Encoding.UTF8.GetString(bytes);
                var tampered = Encoding.UTF8.GetBytes(text.Replace(">alice@example.com<", ">mallory@example.com<", StringComparison.Ordinal));
                Assert.NotEqual(text, Encoding.UTF8.GetString(tampered));
                var evil = SoapEnvelopeReader.Read(tampered, soap12 ? SoapVersion.Soap12 : SoapVersion.Soap11, 256 * 1024, 512 + SoapEnvelopeReader.EnvelopeDepth);
                Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, (await validator.ValidateLoadedAsync(evil.AssertionDocument!, evil.AssertionXml!)).FailureReason);
                Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, (await validator.ValidateDecodedAsync(evil.AssertionXml!)).FailureReason);
            }
        }

        output.WriteLine($"{Envelopes} envelopes; unused declarations in scope: {leftBehind} left behind, {pushedDown} pushed down (their prefix occurs in the assertion's text)");
        Assert.True(leftBehind > pushedDown, "the unused declarations should mostly be left behind");
    }

    /// <summary>
    /// The envelope around <paramref name="assertion"/> with each of its declarations kept or moved to a random
    /// ancestor, unused declarations sprinkled over the ancestors, and whitespace between the envelope's elements.
    /// </summary>
    private static (byte[] Bytes, List<string> Unused) Place(XmlDocument assertion, bool soap12, Random random)
    {
        var envelope = soap12 ? SoapEnvelopeBuilder.Soap12() : SoapEnvelopeBuilder.Soap11();
        var security = envelope.AddSecurityHeader();
        XmlElement[] ancestors = [envelope.Envelope, envelope.Header, security];
        var declared = assertion.SelectNodes("//namespace::*[name() != 'xml']")!.OfType<XmlNode>()
            .Where(n => n.Name.StartsWith("xmlns:", StringComparison.Ordinal))
            .Select(n => (Prefix: n.LocalName, Uri: n.Value!))
            .Distinct()
            .ToList();
        var moved = new List<(string Prefix, string Uri)>();
        foreach (var (prefix, uri) in declared)
        {
            var level = random.Next(ancestors.Length + 1);
            if (level < ancestors.Length)
            {
                ancestors[level].SetAttribute("xmlns:" + prefix, uri);
                moved.Add((prefix, uri));
            }
            else if (random.Next(3) == 0)
            {
                // Kept on the assertion, and bound to another namespace further out: the assertion's own wins.
                ancestors[random.Next(ancestors.Length)].SetAttribute("xmlns:" + prefix, "urn:example:other-" + prefix);
            }
        }

        var unused = new List<string>();
        foreach (var prefix in UnusedPrefixes.Where(p => random.Next(2) == 0 && !declared.Any(d => d.Prefix == p)))
        {
            ancestors[random.Next(ancestors.Length)].SetAttribute("xmlns:" + prefix, "urn:example:unused-" + prefix);
            unused.Add(prefix);
        }

        var copy = envelope.AddAssertion(security, assertion);
        foreach (var element in copy.SelectNodes("descendant-or-self::*")!.OfType<XmlElement>())
        {
            foreach (var (prefix, uri) in moved)
            {
                if (element.GetAttributeNode("xmlns:" + prefix) is { } own && own.Value == uri)
                {
                    element.Attributes.Remove(own);
                }
            }
        }

        foreach (var parent in ancestors)
        {
            foreach (var child in parent.ChildNodes.OfType<XmlElement>().ToList())
            {
                if (random.Next(2) == 0)
                {
                    parent.InsertBefore(envelope.Document.CreateWhitespace(random.Next(2) == 0 ? "\n  " : "\r\n\t"), child);
                }
            }
        }

        SoapEnvelopes.AddPayload(envelope);
        return (envelope.ToBytes(), unused);
    }

    /// <summary>Every AttributeValue typed <c>xs:string</c>, xs and xsi declared on the assertion: xs is then used only in attribute values.</summary>
    private static void TypeAttributeValues(XmlDocument document)
    {
        document.DocumentElement!.SetAttribute("xmlns:xs", XmlSchema);
        document.DocumentElement.SetAttribute("xmlns:xsi", XmlSchemaInstance);
        foreach (var value in document.GetElementsByTagName("AttributeValue", Saml2AssertionBuilder.AssertionNs).Cast<XmlElement>())
        {
            value.SetAttribute("type", XmlSchemaInstance, "xs:string");
        }
    }
}
