using System.Text;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// Changes exactly one character of a base64 string so that exactly one decoded byte changes, inside a
/// chosen piece of the decoded text, to another ASCII letter or digit: the XML stays well-formed and
/// its signature no longer matches.
/// </summary>
public static class Base64Mutation
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>
    /// The base64 string <paramref name="encoded"/> with one character changed: the last of a group of
    /// four, whose six bits are the low bits of a byte inside the first <paramref name="within"/> of the
    /// decoded text; that byte's lowest bit flips ('e' becomes 'd', '1' becomes '0').
    /// </summary>
    public static string ChangeOneCharacter(string encoded, string within)
    {
        var decoded = Convert.FromBase64String(encoded);
        var start = decoded.AsSpan().IndexOf(Encoding.UTF8.GetBytes(within));
        Assert.True(start >= 0, $"'{within}' is not in the decoded text.");
        for (var index = start; index < start + within.Length; index++)
        {
            var flipped = (char)(decoded[index] ^ 1);
            if (index % 3 == 2 && char.IsAsciiLetterOrDigit((char)decoded[index]) && char.IsAsciiLetterOrDigit(flipped))
            {
                var position = index / 3 * 4 + 3;
                var characters = encoded.ToCharArray();
                characters[position] = Alphabet[Alphabet.IndexOf(characters[position], StringComparison.Ordinal) ^ 1];
                var changed = new string(characters);
                var redecoded = Convert.FromBase64String(changed);
                Assert.Equal(flipped, (char)redecoded[index]);
                Assert.Equal(1, decoded.Zip(redecoded).Count(pair => pair.First != pair.Second));
                return changed;
            }
        }

        throw new InvalidOperationException($"No byte of '{within}' can be changed by one base64 character.");
    }
}
