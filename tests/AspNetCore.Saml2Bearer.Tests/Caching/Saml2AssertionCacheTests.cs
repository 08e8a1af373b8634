using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

public sealed class Saml2AssertionCacheTests : IDisposable
{
    private readonly byte[] _xml = "<saml:Assertion ID=\"_a\"/>"u8.ToArray();

    private readonly FakeTimeProvider _time = Saml2BearerTestHost.CreateTime();
    private readonly Saml2AssertionCache _cache;

    public Saml2AssertionCacheTests()
    {
        _cache = new Saml2AssertionCache(100, _time);
    }

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void TryGet_StoredAndStillValid_ReturnsTheAssertion()
    {
        var assertion = Assertion(TimeSpan.FromMinutes(5));
        var stored = _cache.Set(_xml, assertion, "token-key");

        Assert.True(_cache.TryGet(_xml, out var found));
        Assert.Same(stored, found);
        Assert.Same(assertion, found!.Assertion);
        Assert.Equal("token-key", found.TokenKey);
    }

    [Fact]
    public void TryGet_UnknownHash_Misses()
    {
        _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key");

        Assert.False(_cache.TryGet("<saml:Assertion ID=\"_b\"/>"u8, out var found));
        Assert.Null(found);
    }

    [Fact]
    public void TryGet_SameHashIndexButOtherBytes_Misses()
    {
        // The index is computed from the bytes at Set; changing the stored array afterwards leaves an
        // entry under the original bytes' hash whose bytes differ: only the full comparison can refuse it.
        var stored = _xml.ToArray();
        _cache.Set(stored, Assertion(TimeSpan.FromMinutes(5)), "token-key");
        var hitBefore = _cache.TryGet(_xml, out _);

        stored[^2] ^= 0x20;

        Assert.True(hitBefore);
        Assert.False(_cache.TryGet(_xml, out var found));
        Assert.Null(found);
    }

    [Fact]
    public void TryGet_AtTheAssertionsValidTo_Misses()
    {
        _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key");
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        var justBefore = _cache.TryGet(_xml, out _);

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(justBefore);
        Assert.False(_cache.TryGet(_xml, out _));
    }

    [Fact]
    public void Set_OneTimeUseAssertion_IsNotRemembered()
    {
        Assert.Null(_cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5), oneTimeUse: true), "token-key"));

        Assert.False(_cache.TryGet(_xml, out _));
    }

    [Fact]
    public void Set_AlreadyExpiredAssertion_IsNotRemembered()
    {
        Assert.Null(_cache.Set(_xml, Assertion(TimeSpan.FromSeconds(-1)), "token-key"));

        Assert.False(_cache.TryGet(_xml, out _));
    }

    // The encoded-characters index (aliases of entries)

    private const string Encoded = "PHNhbWw6QXNzZXJ0aW9uIElEPSJfYSIvPg==";

    [Fact]
    public void TryGetEncoded_AliasedCharacters_ReturnsTheEntry()
    {
        var stored = _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key")!;
        _cache.Alias(Encoded, stored);

        Assert.True(_cache.TryGetEncoded(Encoded, out var found));
        Assert.Same(stored, found);
    }

    [Fact]
    public void TryGetEncoded_NeverAliased_Misses()
    {
        _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key");

        Assert.False(_cache.TryGetEncoded(Encoded, out var found));
        Assert.Null(found);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(33)]
    public void TryGetEncoded_OneCharacterChanged_Misses(int position)
    {
        var stored = _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key")!;
        _cache.Alias(Encoded, stored);
        var changed = Encoded.ToCharArray();
        changed[position] = changed[position] == 'A' ? 'B' : 'A';

        Assert.False(_cache.TryGetEncoded(changed, out var found));
        Assert.Null(found);
    }

    [Theory]
    [InlineData("PHNhbWw6QXNzZXJ0aW9uIElEPSJfYSIvPg")]
    [InlineData("PHNhbWw6QXNzZXJ0aW9uIElEPSJfYSIvPg===")]
    [InlineData("PHNhbWw6QXNzZXJ0aW9uIElEPSJfYSIvPg==A")]
    public void TryGetEncoded_PrefixOrExtensionOfTheAliasedCharacters_Misses(string other)
    {
        var stored = _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key")!;
        _cache.Alias(Encoded, stored);

        Assert.False(_cache.TryGetEncoded(other, out _));
    }

    [Fact]
    public void TryGetEncoded_SameHashIndexButOtherCharacters_Misses()
    {
        // As for the bytes: change the stored characters after the index was computed, so only the full
        // comparison can refuse the entry the index finds.
        var stored = _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key")!;
        var alias = _cache.Alias(Encoded, stored)!;
        var hitBefore = _cache.TryGetEncoded(Encoded, out _);

        alias.Encoded[10] ^= 0x01;

        Assert.True(hitBefore);
        Assert.False(_cache.TryGetEncoded(Encoded, out var found));
        Assert.Null(found);
    }

    [Fact]
    public void TryGetEncoded_AtTheAssertionsValidTo_Misses()
    {
        var stored = _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key")!;
        _cache.Alias(Encoded, stored);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        var justBefore = _cache.TryGetEncoded(Encoded, out _);

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(justBefore);
        Assert.False(_cache.TryGetEncoded(Encoded, out _));
    }

    [Fact]
    public void Alias_EntryAlreadyExpired_IsNotRemembered()
    {
        var stored = _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key")!;
        _time.Advance(TimeSpan.FromMinutes(5));

        var alias = _cache.Alias(Encoded, stored);

        Assert.Null(alias);
        Assert.False(_cache.TryGetEncoded(Encoded, out _));
    }

    [Fact]
    public void Alias_NonAsciiCharacters_AreNotRemembered()
    {
        var stored = _cache.Set(_xml, Assertion(TimeSpan.FromMinutes(5)), "token-key")!;
        const string RawXml = "<saml:Assertion ID=\"_\u00e4\"/>";

        var alias = _cache.Alias(RawXml, stored);

        Assert.Null(alias);
        Assert.False(_cache.TryGetEncoded(RawXml, out _));
    }

    private Saml2Assertion Assertion(TimeSpan validFor, bool oneTimeUse = false)
    {
        var now = _time.GetUtcNow();
        var confirmation = new Saml2SubjectConfirmation(Saml2AssertionBuilder.BearerMethod, Saml2AssertionBuilder.DefaultRecipient, null, now + validFor, null, null);
        return new Saml2Assertion
        {
            Id = "_a",
            Issuer = Saml2AssertionBuilder.DefaultIssuer,
            IssueInstant = now,
            NameId = new Saml2NameIdentifier("alice@example.com", Saml2AssertionBuilder.EmailFormat, null, null, null),
            SubjectConfirmations = [confirmation],
            BearerConfirmation = confirmation,
            Conditions = new Saml2Conditions(now, now + validFor, [[Saml2AssertionBuilder.DefaultAudience]], oneTimeUse, null),
            AuthenticationStatements = [],
            Attributes = [],
            SignatureAlgorithm = System.Security.Cryptography.Xml.SignedXml.XmlDsigRSASHA256Url,
            DigestAlgorithm = System.Security.Cryptography.Xml.SignedXml.XmlDsigSHA256Url,
            ValidTo = now + validFor,
        };
    }
}
