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
