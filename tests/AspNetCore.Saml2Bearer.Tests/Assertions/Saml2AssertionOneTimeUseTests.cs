using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;

namespace AspNetCore.Saml2Bearer.Tests.Assertions;

/// <summary>
/// <see cref="Saml2AssertionValidationParameters.EnforceOneTimeUse"/>: an assertion carrying
/// <c>&lt;OneTimeUse/&gt;</c> (SAML core 2.5.1.5) passes the validator once; the record is made only after
/// every other check, and a store that cannot answer is never taken for a yes.
/// </summary>
public sealed class Saml2AssertionOneTimeUseTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private Saml2AssertionValidator CreateValidator(ISaml2AssertionReplayStore? store = null, bool enforce = true) =>
        fixture.CreateValidator(parameters =>
        {
            parameters.EnforceOneTimeUse = enforce;
            parameters.ReplayStore = store ?? new MemorySaml2AssertionReplayStore(fixture.Time);
        });

    private byte[] OneTimeUseAssertion(Action<Saml2AssertionBuilder>? configure = null)
    {
        var builder = fixture.NewAssertion();
        builder.OneTimeUse = true;
        configure?.Invoke(builder);
        return Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey));
    }

    [Fact]
    public async Task ValidateDecodedAsync_OneTimeUseAssertionPresentedTwice_SecondIsOneTimeUseReplayed()
    {
        var validator = CreateValidator();
        var xml = OneTimeUseAssertion();

        var first = await validator.ValidateDecodedAsync(xml);
        var second = await validator.ValidateDecodedAsync(xml);

        Assert.True(first.IsValid, first.FailureReason.ToString());
        Assert.True(first.Assertion!.Conditions.OneTimeUse);
        Assert.False(second.IsValid);
        Assert.Equal(Saml2AssertionFailureReason.OneTimeUseReplayed, second.FailureReason);
    }

    [Fact]
    public async Task ValidateDecodedAsync_SameIdReSignedWithOtherContent_IsOneTimeUseReplayed()
    {
        var validator = CreateValidator();
        var id = "_" + Guid.NewGuid().ToString("N");
        await validator.ValidateDecodedAsync(OneTimeUseAssertion(b => b.Id = id));

        var result = await validator.ValidateDecodedAsync(OneTimeUseAssertion(b =>
        {
            b.Id = id;
            b.NameId = "mallory@example.com";
        }));

        Assert.Equal(Saml2AssertionFailureReason.OneTimeUseReplayed, result.FailureReason);
    }

    [Fact]
    public async Task ValidateDecodedAsync_EnforcementOff_OneTimeUseAssertionPassesTwice()
    {
        var validator = CreateValidator(enforce: false);
        var xml = OneTimeUseAssertion();

        Assert.True((await validator.ValidateDecodedAsync(xml)).IsValid);
        Assert.True((await validator.ValidateDecodedAsync(xml)).IsValid);
    }

    [Fact]
    public async Task ValidateDecodedAsync_AssertionWithoutOneTimeUse_IsNotRecorded()
    {
        var store = new CountingStore();
        var validator = CreateValidator(store);
        var xml = Saml2AssertionBuilder.ToBytes(fixture.NewAssertion().BuildSigned(fixture.IdpKey));

        Assert.True((await validator.ValidateDecodedAsync(xml)).IsValid);
        Assert.True((await validator.ValidateDecodedAsync(xml)).IsValid);
        Assert.Equal(0, store.Calls);
    }

    [Fact]
    public async Task ValidateDecodedAsync_TamperedOneTimeUseAssertion_FailsItsOwnCheckWithoutBurningTheId()
    {
        var store = new CountingStore();
        var validator = CreateValidator(store);
        var id = "_" + Guid.NewGuid().ToString("N");
        var document = fixture.NewAssertion();
        document.Id = id;
        document.OneTimeUse = true;
        var tampered = document.BuildSigned(fixture.IdpKey);
        tampered.GetElementsByTagName("NameID", Saml2AssertionBuilder.AssertionNs)[0]!.InnerText = "admin@example.com";

        var rejected = await validator.ValidateDecodedAsync(Saml2AssertionBuilder.ToBytes(tampered));
        var genuine = await validator.ValidateDecodedAsync(OneTimeUseAssertion(b => b.Id = id));

        Assert.Equal(Saml2AssertionFailureReason.DigestMismatch, rejected.FailureReason);
        Assert.True(genuine.IsValid, genuine.FailureReason.ToString());
        Assert.Equal(1, store.Calls);
    }

    [Fact]
    public async Task ValidateDecodedAsync_OneTimeUse_RecordLastsUntilNotOnOrAfterPlusSkew()
    {
        var store = new CountingStore();
        var validator = CreateValidator(store);
        var builder = fixture.NewAssertion();
        builder.OneTimeUse = true;

        var result = await validator.ValidateDecodedAsync(Saml2AssertionBuilder.ToBytes(builder.BuildSigned(fixture.IdpKey)));

        Assert.True(result.IsValid);
        Assert.Equal(result.Assertion!.ValidTo + validator.Parameters.ClockSkew, store.LastExpiresAt);
        Assert.Equal(Saml2AssertionBuilder.DefaultIssuer, store.LastIssuer);
        Assert.Equal(result.Assertion.Id, store.LastId);
    }

    [Fact]
    public async Task ValidateDecodedAsync_StoreCannotAnswer_ThrowsInsteadOfAccepting()
    {
        var validator = CreateValidator(new FailingStore());

        await Assert.ThrowsAsync<TimeoutException>(async () => await validator.ValidateDecodedAsync(OneTimeUseAssertion()));
    }

    [Fact]
    public void Validate_EnforceOneTimeUseWithoutStore_NamesTheSetting()
    {
        var parameters = fixture.CreateParameters(p => p.EnforceOneTimeUse = true);

        var exception = Assert.Throws<InvalidOperationException>(parameters.Validate);

        Assert.Contains(nameof(Saml2AssertionValidationParameters.EnforceOneTimeUse), exception.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2AssertionValidationParameters.ReplayStore), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateDecodedAsync_Saml11DoNotCacheCondition_IsEnforcedAsOneTimeUse()
    {
        var validator = fixture.CreateSaml11Validator(parameters =>
        {
            parameters.EnforceOneTimeUse = true;
            parameters.ReplayStore = new MemorySaml2AssertionReplayStore(fixture.Time);
        });
        var builder = fixture.NewSaml11Assertion();
        builder.DoNotCache = true;
        var xml = builder.BuildBytes(fixture.IdpKey);

        var first = await validator.ValidateDecodedAsync(xml);
        var second = await validator.ValidateDecodedAsync(xml);

        Assert.True(first.IsValid, first.FailureReason.ToString());
        Assert.Equal(Saml2AssertionFailureReason.OneTimeUseReplayed, second.FailureReason);
    }

    private sealed class CountingStore : ISaml2AssertionReplayStore
    {
        public int Calls { get; private set; }

        public string? LastIssuer { get; private set; }

        public string? LastId { get; private set; }

        public DateTimeOffset LastExpiresAt { get; private set; }

        public ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
        {
            Calls++;
            LastIssuer = issuer;
            LastId = assertionId;
            LastExpiresAt = expiresAt;
            return ValueTask.FromResult(true);
        }
    }

    private sealed class FailingStore : ISaml2AssertionReplayStore
    {
        public ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
            ValueTask.FromException<bool>(new TimeoutException("the store did not answer"));
    }
}
