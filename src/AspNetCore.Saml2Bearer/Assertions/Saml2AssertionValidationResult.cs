using System.Diagnostics.CodeAnalysis;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The outcome of decoding and validating an assertion: the assertion, or a reason code.
/// </summary>
public sealed class Saml2AssertionValidationResult
{
    private Saml2AssertionValidationResult(Saml2Assertion? assertion, Saml2AssertionFailureReason failureReason)
    {
        Assertion = assertion;
        FailureReason = failureReason;
    }

    /// <summary>Whether the assertion passed every check.</summary>
    [MemberNotNullWhen(true, nameof(Assertion))]
    public bool IsValid => FailureReason == Saml2AssertionFailureReason.None;

    /// <summary>The validated assertion, or <see langword="null"/> when validation failed.</summary>
    public Saml2Assertion? Assertion { get; }

    /// <summary>Why validation failed, or <see cref="Saml2AssertionFailureReason.None"/>.</summary>
    public Saml2AssertionFailureReason FailureReason { get; }

    /// <summary>
    /// A fixed, human-readable description of <see cref="FailureReason"/>. It never contains text
    /// from the assertion, so it is safe to log and to return to a caller.
    /// </summary>
    public string? FailureMessage => IsValid ? null : Saml2AssertionFailureMessages.Describe(FailureReason);

    /// <summary>Creates a successful result.</summary>
    /// <param name="assertion">The validated assertion.</param>
    /// <returns>The result.</returns>
    public static Saml2AssertionValidationResult Success(Saml2Assertion assertion)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return new Saml2AssertionValidationResult(assertion, Saml2AssertionFailureReason.None);
    }

    /// <summary>Returns the failed result for <paramref name="reason"/>. Failures are cached: one instance per reason.</summary>
    /// <param name="reason">Why validation failed; not <see cref="Saml2AssertionFailureReason.None"/>.</param>
    /// <returns>The result.</returns>
    public static Saml2AssertionValidationResult Failure(Saml2AssertionFailureReason reason)
    {
        if (reason == Saml2AssertionFailureReason.None)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), "A failure needs a reason.");
        }

        return FailureCache.Get(reason);
    }

    private static class FailureCache
    {
        private static readonly System.Collections.Frozen.FrozenDictionary<Saml2AssertionFailureReason, Saml2AssertionValidationResult> Results =
            System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(
                Enum.GetValues<Saml2AssertionFailureReason>().Where(r => r != Saml2AssertionFailureReason.None),
                r => r,
                r => new Saml2AssertionValidationResult(null, r));

        public static Saml2AssertionValidationResult Get(Saml2AssertionFailureReason reason) =>
            Results.TryGetValue(reason, out var result) ? result : new Saml2AssertionValidationResult(null, reason);
    }
}
