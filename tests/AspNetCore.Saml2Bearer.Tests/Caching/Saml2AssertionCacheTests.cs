using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

public sealed class Saml2AssertionCacheTests : IDisposable
{
    private static readonly Saml2AssertionDigest H = Saml2AssertionDigest.Compute("<assertion/>"u8);

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
        var stored = _cache.Set(H, assertion, "token-key");

        Assert.True(_cache.TryGet(H, out var found));
        Assert.Same(stored, found);
        Assert.Same(assertion, found!.Assertion);
        Assert.Equal("token-key", found.TokenKey);
    }

    [Fact]
    public void TryGet_UnknownHash_Misses()
    {
        _cache.Set(H, Assertion(TimeSpan.FromMinutes(5)), "token-key");

        Assert.False(_cache.TryGet(Saml2AssertionDigest.Compute("other"u8), out var found));
        Assert.Null(found);
    }

    [Fact]
    public void TryGet_AtTheAssertionsValidTo_Misses()
    {
        _cache.Set(H, Assertion(TimeSpan.FromMinutes(5)), "token-key");
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        var justBefore = _cache.TryGet(H, out _);

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(justBefore);
        Assert.False(_cache.TryGet(H, out _));
    }

    [Fact]
    public void Set_OneTimeUseAssertion_IsNotRemembered()
    {
        Assert.Null(_cache.Set(H, Assertion(TimeSpan.FromMinutes(5), oneTimeUse: true), "token-key"));

        Assert.False(_cache.TryGet(H, out _));
    }

    [Fact]
    public void Set_AlreadyExpiredAssertion_IsNotRemembered()
    {
        Assert.Null(_cache.Set(H, Assertion(TimeSpan.FromSeconds(-1)), "token-key"));

        Assert.False(_cache.TryGet(H, out _));
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
