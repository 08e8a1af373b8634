using System.Globalization;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// <see cref="SecureXmlLoader"/> reads the input once, enforcing the depth cap as it goes. These tests
/// pin the cap's boundary and hold the loader to the outcome of the two passes it replaced (a streaming
/// depth scan of the whole input, then the DOM load): same reason code, same document.
/// </summary>
public sealed class SecureXmlLoaderTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const int Seed = 35;
    private const int MutantCount = 3_000;

    public static TheoryData<string, int, Saml2AssertionFailureReason> DepthBoundaries => new()
    {
        // The document element has depth 0; a node at depth MaximumElementDepth is refused, text included.
        { "<a><b/></a>", 2, Saml2AssertionFailureReason.None },
        { "<a><b><c/></b></a>", 2, Saml2AssertionFailureReason.DepthExceeded },
        { "<a><b>text</b></a>", 2, Saml2AssertionFailureReason.DepthExceeded },
        { "<a><b> </b></a>", 2, Saml2AssertionFailureReason.DepthExceeded },
        { "<a><b><!----></b></a>", 2, Saml2AssertionFailureReason.DepthExceeded },
        { "<a>text</a>", 1, Saml2AssertionFailureReason.DepthExceeded },
        { "<a/>", 1, Saml2AssertionFailureReason.None },
        // The first fault in reading order decides: the depth before a later malformation...
        { "<a><b><c/></b></a><", 2, Saml2AssertionFailureReason.DepthExceeded },
        { "<a><b><c>\u0001</c></b></a>", 2, Saml2AssertionFailureReason.DepthExceeded },
        // ...and a malformation before the cap is reached.
        { "<a><b x='1' x='2'><c/></b></a>", 2, Saml2AssertionFailureReason.MalformedXml },
        { "<!DOCTYPE a><a><b><c/></b></a>", 2, Saml2AssertionFailureReason.MalformedXml },
        { "<a/><b/>", 64, Saml2AssertionFailureReason.MalformedXml },
    };

    [Theory]
    [MemberData(nameof(DepthBoundaries))]
    public void Load_AtAndAroundTheDepthCap_ReturnsTheTwoPassReason(string xml, int maximumDepth, Saml2AssertionFailureReason expected)
    {
        var parameters = new Saml2AssertionValidationParameters { MaximumElementDepth = maximumDepth };
        var bytes = Encoding.UTF8.GetBytes(xml);

        var document = SecureXmlLoader.Load(bytes, parameters, out var reason);

        Assert.Equal(expected, reason);
        Assert.Equal(expected == Saml2AssertionFailureReason.None, document is not null);
        Assert.Equal(expected, TwoPassLoad(bytes, parameters, out _));
    }

    [Fact]
    public void Load_TenThousandNestedElementsThenGarbage_StopsReadingAtTheCap()
    {
        // Row 35: the cap ends the read, so neither the rest of the nesting nor the garbage after it is parsed.
        var xml = MaliciousAssertions.WithDeepNesting(fixture.NewAssertion().BuildSigned(fixture.IdpKey), 10_000) + "<not xml";
        var parameters = new Saml2AssertionValidationParameters();

        var document = SecureXmlLoader.Load(Encoding.UTF8.GetBytes(xml), parameters, out var reason);

        Assert.Null(document);
        Assert.Equal(Saml2AssertionFailureReason.DepthExceeded, reason);
    }

    [Fact]
    public void DepthLimitingXmlReader_DeepNesting_BuildsNoNodeAtOrBelowTheCap()
    {
        var xml = "<a>" + string.Concat(Enumerable.Repeat("<b>", 500)) + "x" + string.Concat(Enumerable.Repeat("</b>", 500)) + "</a>";
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var reader = new DepthLimitingXmlReader(XmlReader.Create(new StringReader(xml)), maximumDepth: 10);

        document.Load(reader);

        Assert.True(reader.DepthExceeded);
        Assert.False(reader.Read());
        Assert.Equal(ReadState.EndOfFile, reader.ReadState);
        Assert.Equal(9, MaximumDepth(document.DocumentElement!));
    }

    [Fact]
    public void Load_SignedAssertionWithEveryNodeKind_BuildsTheSameDocumentAsAPlainLoad()
    {
        var signed = fixture.NewAssertion().BuildSigned(fixture.IdpKey).OuterXml;
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!--before-->" +
            signed.Replace("</saml:Issuer>", "<!-- c --><?pi data?><![CDATA[<&>]]>&amp;&#x41;\r\n\t</saml:Issuer>", StringComparison.Ordinal) +
            "\n<?after?>";
        var bytes = Encoding.UTF8.GetBytes(xml);

        var document = SecureXmlLoader.Load(bytes, new Saml2AssertionValidationParameters(), out var reason);

        Assert.Equal(Saml2AssertionFailureReason.None, reason);
        TwoPassLoad(bytes, new Saml2AssertionValidationParameters(), out var expected);
        Assert.Equal(expected!.OuterXml, document!.OuterXml);
        Assert.Equal(Describe(expected), Describe(document));
    }

    [Fact]
    public void Load_MutantsOfASignedAssertion_SameOutcomeAsTheTwoPassLoad()
    {
        var builder = fixture.NewAssertion();
        var original = Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey));
        var mutator = new Saml2AssertionMutator(Seed);
        var random = new Random(Seed);
        var reasons = new HashSet<Saml2AssertionFailureReason>();
        for (var i = 0; i < MutantCount; i++)
        {
            var (mutant, operations) = mutator.Mutate(original);

            // A low cap in some runs, so that the depth check and the parser's faults meet in every order.
            var parameters = new Saml2AssertionValidationParameters { MaximumElementDepth = random.Next(3) == 0 ? random.Next(1, 6) : 64 };
            var document = SecureXmlLoader.Load(mutant, parameters, out var reason);
            var expectedReason = TwoPassLoad(mutant, parameters, out var expected);

            var context = string.Create(CultureInfo.InvariantCulture, $"mutant {i} ({operations}, depth {parameters.MaximumElementDepth})");
            Assert.True(expectedReason == reason, $"{context}: {reason}, the two passes say {expectedReason}\n{Encoding.UTF8.GetString(mutant)}");
            Assert.Equal(expected is null ? null : Describe(expected), document is null ? null : Describe(document));
            reasons.Add(reason);
        }

        Assert.Contains(Saml2AssertionFailureReason.None, reasons);
        Assert.Contains(Saml2AssertionFailureReason.MalformedXml, reasons);
        Assert.Contains(Saml2AssertionFailureReason.DepthExceeded, reasons);
    }

    /// <summary>The loader this one replaced: a streaming depth scan of the whole input, then the DOM load.</summary>
    private static Saml2AssertionFailureReason TwoPassLoad(byte[] xml, Saml2AssertionValidationParameters parameters, out XmlDocument? document)
    {
        document = null;
        var settings = SecureXmlLoader.CreateReaderSettings(parameters.MaximumDecodedLength);
        try
        {
            using (var scan = XmlReader.Create(new MemoryStream(xml, writable: false), settings))
            {
                while (scan.Read())
                {
                    if (scan.Depth >= parameters.MaximumElementDepth)
                    {
                        return Saml2AssertionFailureReason.DepthExceeded;
                    }
                }
            }

            var loaded = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            using (var reader = XmlReader.Create(new MemoryStream(xml, writable: false), settings))
            {
                loaded.Load(reader);
            }

            document = loaded;
            return Saml2AssertionFailureReason.None;
        }
        catch (XmlException)
        {
            return Saml2AssertionFailureReason.MalformedXml;
        }
    }

    /// <summary>Every node with its type, name, namespace and value, attributes included, in document order.</summary>
    private static string Describe(XmlNode root)
    {
        var text = new StringBuilder();
        void Walk(XmlNode node, int depth)
        {
            text.Append(CultureInfo.InvariantCulture, $"{depth} {node.NodeType} {node.Prefix}|{node.LocalName}|{node.NamespaceURI}|{node.Value}\n");
            if (node.Attributes is { } attributes)
            {
                foreach (XmlAttribute attribute in attributes)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{depth} @ {attribute.Prefix}|{attribute.LocalName}|{attribute.NamespaceURI}|{attribute.Value}|{attribute.ChildNodes.Count}\n");
                }
            }

            for (var child = node.FirstChild; child is not null; child = child.NextSibling)
            {
                Walk(child, depth + 1);
            }
        }

        Walk(root, 0);
        return text.ToString();
    }

    private static int MaximumDepth(XmlNode node)
    {
        var deepest = 0;
        for (var child = node.FirstChild; child is not null; child = child.NextSibling)
        {
            deepest = Math.Max(deepest, 1 + MaximumDepth(child));
        }

        return deepest;
    }
}
