namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The XML bytes of a decoded assertion, or why decoding failed.
/// </summary>
/// <param name="Xml">The decoded XML bytes, or <see langword="null"/> on failure.</param>
/// <param name="FailureReason">Why decoding failed, or <see cref="Saml2AssertionFailureReason.None"/>.</param>
internal readonly record struct Saml2AssertionDecodeResult(byte[]? Xml, Saml2AssertionFailureReason FailureReason)
{
    public static Saml2AssertionDecodeResult Ok(byte[] xml) => new(xml, Saml2AssertionFailureReason.None);

    public static Saml2AssertionDecodeResult Fail(Saml2AssertionFailureReason reason) => new(null, reason);
}
