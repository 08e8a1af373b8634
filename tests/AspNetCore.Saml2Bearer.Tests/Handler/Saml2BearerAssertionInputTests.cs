using System.Net;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// The fast path's lookup from the characters a caller sent: it answers only for characters identical
/// to ones already seen decoding to validated bytes; anything else is decoded and looked up by its bytes.
/// </summary>
public sealed class Saml2BearerAssertionInputTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    /// <summary>Each encoding of the same bytes a caller may send, from the base64 form.</summary>
    private static readonly Dictionary<string, Func<string, string>> OtherEncodings = new(StringComparer.Ordinal)
    {
        ["base64 without padding"] = base64 => base64.TrimEnd('='),
        ["base64url with padding"] = ToUrlAlphabet,
        ["base64url without padding"] = base64 => ToUrlAlphabet(base64).TrimEnd('='),
        ["raw DEFLATE + base64"] = base64 => Convert.ToBase64String(MaliciousAssertions.Deflate(Convert.FromBase64String(base64))),
        ["raw DEFLATE + base64url"] = base64 => ToUrlAlphabet(Convert.ToBase64String(MaliciousAssertions.Deflate(Convert.FromBase64String(base64)))),
    };

    public static TheoryData<string> OtherEncodingNames => new(OtherEncodings.Keys);

    [Fact]
    public async Task Read_CharactersWhoseBytesHit_AreRememberedAndFoundFromTheCharactersNextTime()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var state = host.Options().State!;
        var assertion = host.Assertion();
        using var first = await host.GetAsync("/whoami", assertion);
        var aliasedAfterValidation = state.AssertionCache.TryGetEncoded(assertion, out _);

        var byBytes = Saml2BearerAssertionInput.Read(assertion, state, useFastPath: true);
        var byCharacters = Saml2BearerAssertionInput.Read(assertion, state, useFastPath: true);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(aliasedAfterValidation);
        Assert.NotNull(byBytes.FastPathEntry);
        Assert.True(state.AssertionCache.TryGetEncoded(assertion, out var aliased));
        Assert.Same(byBytes.FastPathEntry, aliased);
        Assert.Same(byBytes.FastPathEntry, byCharacters.FastPathEntry);
        Assert.NotNull(byCharacters.CachedToken);
        Assert.Null(byCharacters.Xml);
    }

    [Fact]
    public async Task Read_OneCharacterChangedFromAnAliasedAssertion_IsDecodedAndMissesTheFastPath()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var state = host.Options().State!;
        var assertion = host.Assertion();
        using var first = await host.GetAsync("/whoami", assertion);
        var entry = Saml2BearerAssertionInput.Read(assertion, state, useFastPath: true).FastPathEntry!;
        var changed = Base64Mutation.ChangeOneCharacter(assertion, "alice@example.com");

        var input = Saml2BearerAssertionInput.Read(changed, state, useFastPath: true);

        Assert.Null(input.FastPathEntry);
        Assert.Null(input.CachedToken);
        Assert.Equal(Convert.FromBase64String(changed), input.Xml);
        Assert.NotEqual(entry.AssertionXml, input.Xml);
        Assert.False(state.AssertionCache.TryGetEncoded(changed, out _));
    }

    [Theory]
    [MemberData(nameof(OtherEncodingNames))]
    public async Task Read_SameBytesInAnotherEncoding_FindsTheSameEntryAndRemembersThatEncodingToo(string encoding)
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var state = host.Options().State!;
        var assertion = PaddedWithStandardCharacters(host);
        using var first = await host.GetAsync("/whoami", assertion);
        var entry = Saml2BearerAssertionInput.Read(assertion, state, useFastPath: true).FastPathEntry!;
        var other = OtherEncodings[encoding](assertion);

        var decoded = Saml2BearerAssertionInput.Read(other, state, useFastPath: true);
        var repeated = Saml2BearerAssertionInput.Read(other, state, useFastPath: true);

        Assert.NotEqual(assertion, other);
        Assert.Same(entry, decoded.FastPathEntry);
        Assert.Same(entry, repeated.FastPathEntry);
        Assert.True(state.AssertionCache.TryGetEncoded(other, out var aliased));
        Assert.Same(entry, aliased);
        Assert.True(state.AssertionCache.TryGetEncoded(assertion, out var original));
        Assert.Same(entry, original);
    }

    [Fact]
    public async Task Read_AliasedCharactersSurroundedByWhitespace_AreTheSameCharacters()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var state = host.Options().State!;
        var assertion = host.Assertion();
        using var first = await host.GetAsync("/whoami", assertion);
        var entry = Saml2BearerAssertionInput.Read(assertion, state, useFastPath: true).FastPathEntry!;

        var input = Saml2BearerAssertionInput.Read("  " + assertion + "\t", state, useFastPath: true);

        Assert.Same(entry, input.FastPathEntry);
    }

    [Fact]
    public async Task Read_AliasedCharactersOverTheEncodedCap_AreRefusedBeforeAnyLookup()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Assertion.MaximumEncodedLength = 8_000);
        var state = host.Options().State!;
        var assertion = host.Assertion();
        using var first = await host.GetAsync("/whoami", assertion);
        Saml2BearerAssertionInput.Read(assertion, state, useFastPath: true);
        var padded = assertion + new string(' ', 8_000 - assertion.Length + 1);

        var input = Saml2BearerAssertionInput.Read(padded, state, useFastPath: true);

        Assert.True(assertion.Length <= 8_000);
        Assert.True(state.AssertionCache.TryGetEncoded(assertion, out _));
        Assert.Equal(Saml2AssertionFailureReason.EncodedSizeExceeded, input.FailureReason);
        Assert.Null(input.FastPathEntry);
    }

    [Fact]
    public async Task Read_FastPathOff_NeitherLooksUpNorRemembers()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var state = host.Options().State!;
        var assertion = host.Assertion();
        using var first = await host.GetAsync("/whoami", assertion);

        var input = Saml2BearerAssertionInput.Read(assertion, state, useFastPath: false);

        Assert.Null(input.FastPathEntry);
        Assert.NotNull(input.Xml);
        Assert.False(state.AssertionCache.TryGetEncoded(assertion, out _));
    }

    /// <summary>
    /// A valid assertion whose base64 form has padding and a '+' or '/', so that every other encoding
    /// differs from it (the ID's length moves the byte count).
    /// </summary>
    private static string PaddedWithStandardCharacters(Saml2BearerTestHost host)
    {
        for (var extra = 0; ; extra++)
        {
            var assertion = host.Assertion(b => b.Id = "_" + Guid.NewGuid().ToString("N") + new string('a', extra));
            if (assertion.EndsWith('=') && assertion.AsSpan().ContainsAny('+', '/'))
            {
                return assertion;
            }
        }
    }

    private static string ToUrlAlphabet(string base64) => base64.Replace('+', '-').Replace('/', '_');
}
