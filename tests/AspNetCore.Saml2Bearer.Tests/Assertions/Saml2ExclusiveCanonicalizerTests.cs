using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// <see cref="Saml2ExclusiveCanonicalizer"/> against the reference it replaces,
/// <see cref="XmlDsigExcC14NTransform"/>: the same bytes for every document, every apex element (taken
/// out of its document with the namespace declarations in scope, as XML-DSig canonicalizes SignedInfo),
/// with and without comments, with and without InclusiveNamespaces prefixes; and a refusal wherever the
/// reference throws. Not compared: attributes whose namespace URIs or names differ first where a
/// supplementary character meets one of U+E000-U+FFFF, which the reference sorts by UTF-16 code unit and
/// Canonical XML by code point (<see cref="Saml2CanonicalizationOrderTests"/>); the mutants here never add
/// a supplementary character to a name or namespace URI, so they cannot produce such a pair.
/// </summary>
public sealed class Saml2ExclusiveCanonicalizerTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const int Seed = 14_2007;
    private const int MutantCount = 3_000;

    private static readonly string[][] PrefixLists =
    [
        [],
        [""],
        ["saml", "ds"],
        ["xs", "xsi", "", "evil", "p"],
    ];

    public static TheoryData<string> EdgeCases => new()
    {
        // Namespace declarations: unused, redundant, undeclared, moved, used only by attributes.
        "<a xmlns='urn:a' xmlns:p='urn:p' xmlns:q='urn:q'><b xmlns='urn:a'/><p:c/><c xmlns=''><d xmlns='urn:d'><e xmlns=''/></d></c></a>",
        "<p:a xmlns:p='urn:p'><p:b xmlns:p='urn:p'><p:c xmlns:p='urn:other'><p:d/></p:c></p:b></p:a>",
        "<a xmlns:p='urn:p' xmlns:q='urn:q'><b p:x='1' q:y='2' z='3'/><c><d p:x='1'/></c></a>",
        "<a xmlns='urn:a'><b xmlns=''><c xmlns='urn:a'/></b></a>",
        "<a><b xmlns=''/><c xmlns='urn:c'><d xmlns=''/></c></a>",
        "<p:a xmlns:p='urn:p' xmlns:xs='http://www.w3.org/2001/XMLSchema' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'><p:v xsi:type='xs:string'>x</p:v></p:a>",
        "<a xmlns:evil='urn:evil' xmlns:p='urn:p'><b xmlns:evil='urn:evil2'><p:c xmlns:p='urn:p2'/></b></a>",
        // Attribute order is by namespace URI then local name, not by prefix.
        "<a xmlns:z='urn:a' xmlns:a='urn:z' b='1' a:b='2' z:b='3' a='4' z:a='5'/>",
        // The xml namespace: attributes, and a declaration of the xml prefix itself.
        "<a xml:lang='en' xml:space='preserve'><b xml:lang='fr'/></a>",
        "<a xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='en'><b xml:lang='de'/></a>",
        // Escaping of text, attribute values, CR, tab and LF written as character references.
        "<a x='&lt;&amp;&gt;&quot;&apos;&#9;&#10;&#13;'>&lt;&amp;&gt;\"'&#13;&#9;&#10;]]&gt;</a>",
        "<a><![CDATA[<&>\r\n]]>text<![CDATA[]]></a>",
        // Comments and processing instructions inside, and beside, the element.
        "<?before x?><!--before--><a><!-- c --><?pi?><?pi data ?><b><!--x--></b></a><!--after--><?after?>",
        // Non-ASCII and characters outside the BMP.
        "<a x='\u00e9\u4e2d\U0001F600'>\u00e9\u4e2d\U0001F600\uFEFF</a>",
        // Whitespace everywhere it can be.
        "<a  x = '1'\n  y='2'  >\n\t <b\n/>  \r\n</a   >",
        // A default namespace used by the apex but declared only on an ancestor (apex tests below).
        "<r xmlns='urn:r' xmlns:p='urn:p'><a><p:b><c xmlns=''/></p:b></a></r>",
    };

    public static TheoryData<string, string> ThrowingPrefixLists => new()
    {
        { "xs xs", "a prefix listed twice" },
        { "#default xs #default", "#default listed twice" },
    };

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void ToBytes_EdgeCaseDocument_MatchesXmlDsigExcC14NTransformAtEveryApex(string xml)
    {
        var document = Load(Encoding.UTF8.GetBytes(xml));

        foreach (var apex in document.GetElementsByTagName("*").Cast<XmlElement>())
        {
            foreach (var prefixes in PrefixLists)
            {
                foreach (var includeComments in new[] { false, true })
                {
                    AssertSameAsReference(apex, includeComments, prefixes);
                }
            }
        }
    }

    [Fact]
    public void ToBytes_MutantsOfASignedAssertion_MatchXmlDsigExcC14NTransform()
    {
        var builder = fixture.NewAssertion();
        builder.Attributes.Add(new("urn:example:escaped", ["<&>\"'\t\r\n \u00e9\U0001F600"]));
        var original = Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey));
        var mutator = new Saml2AssertionMutator(Seed);
        var random = new Random(Seed);
        var compared = 0;
        for (var i = 0; i < MutantCount; i++)
        {
            var (mutant, operations) = mutator.Mutate(original);
            XmlDocument document;
            try
            {
                document = Load(mutant);
            }
            catch (XmlException)
            {
                continue;
            }

            // The document element, as the reference digest sees it, and one element taken out of it.
            var elements = document.GetElementsByTagName("*").Cast<XmlElement>().ToList();
            var prefixes = PrefixLists[random.Next(PrefixLists.Length)];
            var includeComments = random.Next(2) == 0;
            var context = $"mutant {i} ({operations})";
            AssertSameAsReference(document.DocumentElement!, includeComments, prefixes, context);
            AssertSameAsReference(elements[random.Next(elements.Count)], includeComments, prefixes, context);
            compared++;
        }

        Assert.True(compared > MutantCount / 2, $"only {compared} mutants parsed");
    }

    [Fact]
    public void ToBytes_SignedInfoOfASignedAssertion_MatchesXmlDsigExcC14NTransform()
    {
        var document = fixture.NewAssertion().BuildSigned(fixture.IdpKey);

        AssertSameAsReference(MaliciousAssertions.Dsig(document, "SignedInfo"), includeComments: false, []);
    }

    [Theory]
    [InlineData("SHA1", 20)]
    [InlineData("SHA256", 32)]
    [InlineData("SHA384", 48)]
    [InlineData("SHA512", 64)]
    public void TryHash_SmallAndLargeDocuments_IsTheHashOfTheCanonicalBytes(string algorithm, int size)
    {
        // Larger than the canonicalizer's buffer, so the hash is computed in chunks; and small, in one call.
        foreach (var length in new[] { 10, 100_000 })
        {
            var document = Load(Encoding.UTF8.GetBytes($"<a xmlns='urn:a'><b>{new string('\u00e9', length)}</b></a>"));
            var name = new HashAlgorithmName(algorithm);
            var expected = CryptographicOperations.HashData(name, Reference(document.DocumentElement!, includeComments: false, []));
            var hash = new byte[64];

            Assert.True(Saml2ExclusiveCanonicalizer.TryHash(document.DocumentElement!, includeComments: false, [], name, hash, out var written));

            Assert.Equal(size, written);
            Assert.Equal(expected, hash[..written]);
        }
    }

    [Theory]
    [MemberData(nameof(ThrowingPrefixLists))]
    public void ParsePrefixList_WhereTheReferenceThrows_ReturnsNull(string prefixList, string why)
    {
        var document = Load("<a xmlns:xs='urn:xs'/>"u8.ToArray());
        var transform = new XmlDsigExcC14NTransform(includeComments: false, prefixList);

        Assert.ThrowsAny<ArgumentException>(() => transform.LoadInput(document));
        Assert.True(Saml2ExclusiveCanonicalizer.ParsePrefixList(prefixList) is null, why);
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("  ", new string[0])]
    [InlineData("#default", new[] { "" })]
    [InlineData(" xs\txsi\n#default\u00a0saml ", new[] { "xs", "xsi", "", "saml" })]
    public void ParsePrefixList_WhitespaceSeparatedTokens_SplitsAsTheReferenceDoes(string prefixList, string[] expected)
    {
        Assert.Equal(expected, Saml2ExclusiveCanonicalizer.ParsePrefixList(prefixList));
    }

    [Fact]
    public void ToBytes_EntityReferenceNode_ReturnsNull()
    {
        // Not in a document loaded without a DTD; built by hand, it is refused rather than guessed at.
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var root = document.CreateElement("a");
        document.AppendChild(root);
        root.AppendChild(document.CreateEntityReference("e"));

        Assert.Null(Saml2ExclusiveCanonicalizer.ToBytes(root, includeComments: false, []));
    }

    [Fact]
    public void ToBytes_PrefixDeclaredWithAnotherNamespaceThanTheElementUses_ReturnsNull()
    {
        // Only a hand-built DOM can disagree with itself like this; the reference throws on it.
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var root = document.CreateElement("p", "a", "urn:one");
        root.SetAttribute("xmlns:p", "urn:two");
        document.AppendChild(root);

        Assert.ThrowsAny<ArgumentException>(() => Reference(root, includeComments: false, []));
        Assert.Null(Saml2ExclusiveCanonicalizer.ToBytes(root, includeComments: false, []));
    }

    private static void AssertSameAsReference(XmlElement apex, bool includeComments, string[] prefixes, string context = "")
    {
        var actual = Saml2ExclusiveCanonicalizer.ToBytes(apex, includeComments, prefixes);
        string expected;
        try
        {
            expected = Encoding.UTF8.GetString(Reference(apex, includeComments, prefixes));
        }
        catch (ArgumentException exception)
        {
            Assert.True(actual is null, $"{context}: the reference throws ({exception.Message}), the canonicalizer does not\n{apex.OwnerDocument.OuterXml}");
            return;
        }

        Assert.True(actual is not null, $"{context}: refused <{apex.Name}> (comments {includeComments}, prefixes '{string.Join(' ', prefixes)}')\n{apex.OwnerDocument.OuterXml}");
        var actualText = Encoding.UTF8.GetString(actual!);
        Assert.True(
            expected == actualText,
            string.Create(CultureInfo.InvariantCulture, $"{context}: <{apex.Name}> (comments {includeComments}, prefixes '{string.Join(' ', prefixes)}')\nexpected {expected}\nactual   {actualText}\n{apex.OwnerDocument.OuterXml}"));
    }

    /// <summary>
    /// What the validator computed before <see cref="Saml2ExclusiveCanonicalizer"/>: the element copied
    /// into a document of its own with the namespace declarations in scope, through <see cref="XmlDsigExcC14NTransform"/>.
    /// </summary>
    private static byte[] Reference(XmlElement apex, bool includeComments, string[] prefixes)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var copy = (XmlElement)document.ImportNode(apex, deep: true);
        document.AppendChild(copy);
        XmlElementDetacher.CopyInScopeNamespaceDeclarations(apex, copy);

        var prefixList = prefixes.Length == 0 ? null : string.Join(' ', prefixes.Select(p => p.Length == 0 ? "#default" : p));
        var transform = new XmlDsigExcC14NTransform(includeComments, prefixList);
        transform.LoadInput(document);
        using var canonical = (Stream)transform.GetOutput(typeof(Stream));
        using var buffer = new MemoryStream();
        canonical.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static XmlDocument Load(byte[] xml)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var reader = XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        document.Load(reader);
        return document;
    }
}
