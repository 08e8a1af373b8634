using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Fuzz;

/// <summary>
/// Writes the seed corpus: valid assertions signed with freshly generated keys, and the malicious
/// variants of SECURITY-CASES.md built from them, each as raw XML and as base64 (valid ones also as
/// base64url and DEFLATE), and SOAP envelopes carrying them (valid ones and the attacks of rows 69-80).
/// The public certificates go to a trust file the fuzz target reads.
/// </summary>
internal static class SeedCorpus
{
    public const string OtherIssuer = "https://other-idp.example.com/saml";

    public static int Write(string directory, string trustFile)
    {
        Directory.CreateDirectory(directory);
        using var idpKey = TestSigningKey.CreateRsa("CN=Trusted IdP");
        using var ecdsaKey = TestSigningKey.CreateEcdsa("CN=Trusted EC IdP");
        using var otherKey = TestSigningKey.CreateRsa("CN=Other trusted IdP");
        using var attackerKey = TestSigningKey.CreateRsa("CN=Trusted IdP");
        TrustedCertificates.Write(trustFile,
        [
            (Saml2AssertionBuilder.DefaultIssuer, idpKey.PublicCertificate),
            (Saml2AssertionBuilder.DefaultIssuer, ecdsaKey.PublicCertificate),
            (OtherIssuer, otherKey.PublicCertificate),
        ]);

        var seeds = new Dictionary<string, string>(StringComparer.Ordinal);
        var v = Builder().BuildSigned(idpKey);

        // Valid: every one is accepted by the permissive validator (checked by build/fuzz.sh with --replay).
        AddValid(seeds, "valid-rsa", v);
        AddValid(seeds, "valid-ecdsa", Builder(b => b.SignatureAlgorithm = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256").BuildSigned(ecdsaKey));
        AddValid(seeds, "valid-other-idp", Builder(b => b.Issuer = OtherIssuer).BuildSigned(otherKey));
        AddValid(seeds, "valid-comment-in-nameid", Builder(b => b.BeforeSigning = d => MaliciousAssertions.SpliceCommentIntoNameId(d, 5)).BuildSigned(idpKey));
        AddValid(seeds, "valid-no-keyinfo", Builder(b => b.IncludeKeyInfo = false).BuildSigned(idpKey));
        AddValid(seeds, "valid-sha1", Builder(b =>
        {
            b.SignatureAlgorithm = SignedXml.XmlDsigRSASHA1Url;
            b.DigestAlgorithm = SignedXml.XmlDsigSHA1Url;
        }).BuildSigned(idpKey));
        AddValid(seeds, "valid-response", MaliciousAssertions.SignedResponse(v, idpKey));

        // Structure and signature wrapping.
        var unsigned = MaliciousAssertions.Clone(v);
        MaliciousAssertions.Signature(unsigned).ParentNode!.RemoveChild(MaliciousAssertions.Signature(unsigned));
        Add(seeds, "unsigned", unsigned.OuterXml);
        var tamperedNameId = MaliciousAssertions.Clone(v);
        MaliciousAssertions.Saml(tamperedNameId, "NameID").InnerText = MaliciousAssertions.EvilNameId;
        Add(seeds, "tamper-nameid", tamperedNameId.OuterXml);
        Add(seeds, "attacker-resign", Builder(b => b.NameId = MaliciousAssertions.EvilNameId).BuildSigned(attackerKey).OuterXml);
        Add(seeds, "xsw3", MaliciousAssertions.Xsw3(v, MaliciousAssertions.AttackerNs, "Wrapper").OuterXml);
        Add(seeds, "xsw4", MaliciousAssertions.Xsw4(v).OuterXml);
        Add(seeds, "xsw5", MaliciousAssertions.Xsw5(v).OuterXml);
        Add(seeds, "xsw6", MaliciousAssertions.Xsw6(v).OuterXml);
        Add(seeds, "xsw7", MaliciousAssertions.Xsw7(v).OuterXml);
        Add(seeds, "xsw8", MaliciousAssertions.Xsw8(v).OuterXml);
        var response = MaliciousAssertions.SignedResponse(v, idpKey);
        Add(seeds, "xsw1", MaliciousAssertions.ResponseWrapping(response, detached: false).OuterXml);
        Add(seeds, "xsw2", MaliciousAssertions.ResponseWrapping(response, detached: true).OuterXml);
        var twoSignatures = MaliciousAssertions.Clone(v);
        var signature = MaliciousAssertions.Signature(twoSignatures);
        signature.ParentNode!.InsertAfter(signature.CloneNode(deep: true), signature);
        Add(seeds, "two-signatures", twoSignatures.OuterXml);
        Add(seeds, "multiple-roots", v.OuterXml + MaliciousAssertions.EvilCopy(MaliciousAssertions.Clone(v).DocumentElement!).OuterXml);
        var duplicateId = MaliciousAssertions.Clone(v);
        MaliciousAssertions.Saml(duplicateId, "Subject").SetAttribute("Id", v.DocumentElement!.GetAttribute("ID"));
        Add(seeds, "duplicate-id-other-case", duplicateId.OuterXml);
        var emptyUri = MaliciousAssertions.Clone(v);
        MaliciousAssertions.Dsig(emptyUri, "Reference").SetAttribute("URI", string.Empty);
        Add(seeds, "empty-reference-uri", emptyUri.OuterXml);
        Add(seeds, "pretty-printed", MaliciousAssertions.PrettyPrint(v, keepSignatureIntact: true).OuterXml);

        // Algorithms and transforms.
        Add(seeds, "inclusive-c14n", Builder(b => b.CanonicalizationMethod = SignedXml.XmlDsigC14NTransformUrl).BuildSigned(idpKey).OuterXml);
        var xslt = MaliciousAssertions.Clone(v);
        MaliciousAssertions.ReplaceTransform(xslt, 1, MaliciousAssertions.Transform(xslt, SignedXml.XmlDsigXsltTransformUrl,
            "<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\"><xsl:template match=\"/\"/></xsl:stylesheet>"));
        MaliciousAssertions.ResignSignedInfo(MaliciousAssertions.Signature(xslt), idpKey);
        Add(seeds, "xslt-transform", xslt.OuterXml);

        // Parser.
        Add(seeds, "xxe", MaliciousAssertions.WithExternalEntity(v, new Uri("http://127.0.0.1:9/xxe")));
        Add(seeds, "billion-laughs", MaliciousAssertions.WithBillionLaughs(v));
        Add(seeds, "deep-nesting", MaliciousAssertions.WithDeepNesting(v, 100));

        // Semantics.
        Add(seeds, "custom-condition", Builder(b => b.BeforeSigning = MaliciousAssertions.AddCustomCondition).BuildSigned(idpKey).OuterXml);
        Add(seeds, "issuer-key-mismatch", Builder(b => b.Issuer = OtherIssuer).BuildSigned(idpKey).OuterXml);
        Add(seeds, "expired", new Saml2AssertionBuilder(FuzzTarget.Instant.AddHours(-2)).BuildSigned(idpKey).OuterXml);

        // SAML 1.1 (V1, AD FS-shaped): accepted by the permissive validator, refused by the strict one.
        var v1 = Saml11Builder().BuildSigned(idpKey);
        AddValid(seeds, "valid-saml11", v1);
        AddValid(seeds, "valid-saml11-sha1", Saml11Builder(b =>
        {
            b.SignatureAlgorithm = SignedXml.XmlDsigRSASHA1Url;
            b.DigestAlgorithm = SignedXml.XmlDsigSHA1Url;
        }).BuildSigned(idpKey));
        AddValid(seeds, "valid-saml11-do-not-cache", Saml11Builder(b => b.DoNotCache = true).BuildSigned(idpKey));
        var tamperedV1 = MaliciousAssertions.Clone(v1);
        tamperedV1.GetElementsByTagName("NameIdentifier", Saml11AssertionBuilder.AssertionNs)[0]!.InnerText = MaliciousAssertions.EvilNameId;
        Add(seeds, "saml11-tamper-nameidentifier", tamperedV1.OuterXml);
        Add(seeds, "saml11-subject-confusion", Saml11Builder(b => b.BeforeSigning = d =>
            d.GetElementsByTagName("NameIdentifier", Saml11AssertionBuilder.AssertionNs)[1]!.InnerText = MaliciousAssertions.EvilNameId).BuildSigned(idpKey).OuterXml);
        Add(seeds, "saml11-holder-of-key", Saml11Builder(b =>
        {
            b.ConfirmationMethods.Clear();
            b.ConfirmationMethods.Add(Saml11AssertionBuilder.HolderOfKeyMethod);
        }).BuildSigned(idpKey).OuterXml);
        Add(seeds, "saml11-attacker-resign", Saml11Builder(b => b.NameIdentifier = MaliciousAssertions.EvilNameId).BuildSigned(attackerKey).OuterXml);
        var misplacedV1 = MaliciousAssertions.Clone(v1);
        var signatureV1 = MaliciousAssertions.Signature(misplacedV1);
        misplacedV1.DocumentElement!.RemoveChild(signatureV1);
        misplacedV1.DocumentElement.PrependChild(signatureV1);
        Add(seeds, "saml11-signature-first", misplacedV1.OuterXml);

        // SOAP envelopes (rows 69-80): valid ones in both versions, SAML 2.0 and 1.1, then the attacks.
        AddSoap(seeds, v, v1);

        foreach (var (name, content) in seeds)
        {
            File.WriteAllText(Path.Combine(directory, name), content, new UTF8Encoding(false));
        }

        // A DEFLATE bomb is only meaningful encoded.
        File.WriteAllText(Path.Combine(directory, "deflate-bomb.b64"), MaliciousAssertions.DeflateBomb(600 * 1024));
        return seeds.Count + 1;
    }

    private static void AddSoap(Dictionary<string, string> seeds, XmlDocument v, XmlDocument v1)
    {
        foreach (var soap12 in new[] { false, true })
        {
            var version = soap12 ? "soap12" : "soap11";
            seeds[$"valid-{version}-saml2.xml"] = SoapEnvelopes.Text(SoapEnvelopes.Valid(soap12, v));
            seeds[$"valid-{version}-saml11.xml"] = SoapEnvelopes.Text(SoapEnvelopes.Valid(soap12, v1));
            var unused = SoapEnvelopes.Valid(soap12, v);
            unused.Declare("unused", "urn:example:unused");
            seeds[$"valid-{version}-unused-declaration.xml"] = SoapEnvelopes.Text(unused);
            var own = SoapEnvelopes.New(soap12);
            var security = own.AddSecurityHeader();
            security.AppendChild(own.Document.ImportNode(v.DocumentElement!, deep: true));
            SoapEnvelopes.AddPayload(own);
            seeds[$"valid-{version}-own-declarations.xml"] = SoapEnvelopes.Text(own);
            seeds[$"valid-{version}-next-actor.xml"] = SoapEnvelopes.Text(SoapEnvelopes.Valid(soap12, v, soap12 ? SoapEnvelopes.Soap12Next : SoapEnvelopes.Soap11Next));

            var inBody = SoapEnvelopes.Valid(soap12, v);
            inBody.AddAssertion(inBody.Body, SoapEnvelopes.EvilCopy(v));
            seeds[$"{version}-assertion-in-body.xml"] = SoapEnvelopes.Text(inBody);
            var wrapped = SoapEnvelopes.New(soap12);
            wrapped.AddAssertion(wrapped.AddSecurityHeader(), SoapEnvelopes.EvilCopy(v));
            wrapped.AddAssertion(wrapped.Body, v);
            seeds[$"{version}-wrapping-original-in-body.xml"] = SoapEnvelopes.Text(wrapped);
            var twoHeaders = SoapEnvelopes.Valid(soap12, v);
            twoHeaders.AddAssertion(twoHeaders.AddSecurityHeader(), SoapEnvelopes.EvilCopy(v));
            seeds[$"{version}-two-security-headers.xml"] = SoapEnvelopes.Text(twoHeaders);
            var otherActor = SoapEnvelopes.New(soap12);
            otherActor.AddAssertion(otherActor.AddSecurityHeader(SoapEnvelopes.OtherActor), SoapEnvelopes.EvilCopy(v));
            otherActor.AddAssertion(otherActor.AddSecurityHeader(), v);
            SoapEnvelopes.AddPayload(otherActor);
            seeds[$"valid-{version}-other-actor-header-ignored.xml"] = SoapEnvelopes.Text(otherActor);
            var twoAssertions = SoapEnvelopes.Valid(soap12, v);
            twoAssertions.AddAssertion((XmlElement)twoAssertions.Header.FirstChild!, v1);
            seeds[$"{version}-two-assertions.xml"] = SoapEnvelopes.Text(twoAssertions);
            var token = SoapEnvelopes.New(soap12);
            var binary = token.AddElement(token.AddSecurityHeader(), "wsse", "BinarySecurityToken", SoapEnvelopeBuilder.WsseNamespace);
            binary.InnerText = Convert.ToBase64String(Saml2AssertionBuilder.ToBytes(v));
            SoapEnvelopes.AddPayload(token);
            seeds[$"{version}-binary-security-token.xml"] = SoapEnvelopes.Text(token);
            var nested = SoapEnvelopes.New(soap12);
            nested.AddAssertion(nested.AddElement(nested.AddSecurityHeader(), "wsse", "BinarySecurityToken", SoapEnvelopeBuilder.WsseNamespace), v);
            seeds[$"{version}-assertion-inside-binary-security-token.xml"] = SoapEnvelopes.Text(nested);
            seeds[$"{version}-doctype.xml"] = SoapEnvelopes.WithDoctype(SoapEnvelopes.Valid(soap12, v));
            seeds[$"{version}-billion-laughs.xml"] = SoapEnvelopes.WithBillionLaughs(SoapEnvelopes.Valid(soap12, v));
            seeds[$"{version}-deep-nesting.xml"] = SoapEnvelopes.WithDeepNesting(SoapEnvelopes.Valid(soap12, v), 100);
        }
    }

    private static Saml2AssertionBuilder Builder(Action<Saml2AssertionBuilder>? configure = null)
    {
        // A fixed ID keeps the corpus comparable between runs; the keys are what changes.
        var builder = new Saml2AssertionBuilder(FuzzTarget.Instant) { Id = "_fuzz-seed" };
        configure?.Invoke(builder);
        return builder;
    }

    private static Saml11AssertionBuilder Saml11Builder(Action<Saml11AssertionBuilder>? configure = null)
    {
        var builder = new Saml11AssertionBuilder(FuzzTarget.Instant) { AssertionId = "_fuzz-seed-saml11" };
        configure?.Invoke(builder);
        return builder;
    }

    private static void AddValid(Dictionary<string, string> seeds, string name, XmlDocument document)
    {
        var bytes = Saml2AssertionBuilder.ToBytes(document);
        seeds[name + ".xml"] = document.OuterXml;
        seeds[name + ".b64"] = Convert.ToBase64String(bytes);
        seeds[name + ".b64url"] = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        seeds[name + ".deflate.b64"] = Convert.ToBase64String(MaliciousAssertions.Deflate(bytes));
    }

    private static void Add(Dictionary<string, string> seeds, string name, string xml)
    {
        seeds[name + ".xml"] = xml;
        seeds[name + ".b64"] = MaliciousAssertions.Base64(xml);
    }
}
