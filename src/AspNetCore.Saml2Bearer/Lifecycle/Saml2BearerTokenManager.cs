using System.Collections.Concurrent;
using System.Diagnostics;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Claims;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Lifecycle;

/// <summary>
/// The token lifecycle of one scheme, in one place (after Duende.AccessTokenManagement's
/// <c>GetOrCreateAsync(key, factory)</c>): cache lookup, then one flight per key for every concurrent
/// caller (across instances too, with the exchange lock), in which the token is renewed with its refresh
/// token or else exchanged for the request's assertion, its JWTs are checked, its expiry is computed and
/// <c>OnTokenReceived</c> vets it, then it is stored. No single caller's cancellation ends a flight;
/// failures are never stored, and a refused grant evicts what the key held.
/// </summary>
/// <remarks>
/// Renewal (<c>grant_type=refresh_token</c>) replaces the exchange when the key holds a refresh token, the
/// request's assertion was validated here (so renewal serves only callers who could have exchanged), and
/// neither that assertion's <c>SessionNotOnOrAfter</c> nor the refresh token's retention has passed. A new
/// refresh token replaces the old (rotation). A refused refresh (<c>invalid_grant</c>), a token service that
/// cannot refresh, or a session that ended drop the refresh token, and the request's assertion is exchanged
/// once instead.
/// </remarks>
internal sealed class Saml2BearerTokenManager : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Saml2BearerTokenOutcome>>> _flights = new(StringComparer.Ordinal);
    private readonly Saml2BearerTokenClaimsValidator _claimsValidator;
    private readonly TimeProvider _timeProvider;

    public Saml2BearerTokenManager(Saml2BearerTokenCache cache, Saml2BearerTokenClaimsValidator claimsValidator, TimeProvider timeProvider)
    {
        Cache = cache;
        _claimsValidator = claimsValidator;
        _timeProvider = timeProvider;
    }

    /// <summary>Where the tokens are kept.</summary>
    public Saml2BearerTokenCache Cache { get; }

    /// <summary>
    /// The usable token memory holds for <paramref name="key"/>: the common case, which callers ask first,
    /// before they build what <see cref="GetTokenAsync"/> needs to obtain one.
    /// </summary>
    public bool TryGetCachedToken(string key, out Saml2BearerCachedToken? token) => Cache.TryGet(key, out token);

    /// <summary>
    /// Returns the token for <paramref name="key"/>: from the cache, or obtained once for every concurrent
    /// caller with <paramref name="acquisition"/>'s assertion. When the request that started the flight left
    /// before the token arrived, this request raises <c>OnTokenReceived</c> for it and stores its verdict.
    /// </summary>
    public async Task<Saml2BearerTokenOutcome> GetTokenAsync(string key, Saml2BearerTokenAcquisition acquisition, CancellationToken cancellationToken)
    {
        var outcome = await GetOrCreateAsync(key, () => ObtainAsync(key, acquisition), cancellationToken).ConfigureAwait(false);
        if (!outcome.IsUnvetted)
        {
            return outcome;
        }

        var tokenReceived = await acquisition.TokenReceived(outcome.Token!.Response).ConfigureAwait(false);
        if (tokenReceived.Result is not null)
        {
            return Saml2BearerTokenOutcome.Decided(tokenReceived.Result, outcome.Source);
        }

        var token = outcome.Token with { Response = tokenReceived.TokenResponse };
        await Cache.SetAsync(key, token).ConfigureAwait(false);
        return Saml2BearerTokenOutcome.Obtained(token, outcome.Source, shared: false);
    }

    /// <summary>
    /// Returns the cached token for <paramref name="key"/>, or runs <paramref name="factory"/> once for all
    /// concurrent callers (and, with the exchange lock, once for all instances) and stores its token.
    /// </summary>
    public async Task<Saml2BearerTokenOutcome> GetOrCreateAsync(string key, Func<Task<Saml2BearerTokenOutcome>> factory, CancellationToken cancellationToken)
    {
        if (TryGetCachedToken(key, out var cached))
        {
            return Saml2BearerTokenOutcome.Obtained(cached!, Saml2BearerTokenLookupSource.MemoryCache);
        }

        var leader = false;
        var flight = _flights.GetOrAdd(key, _ => new Lazy<Task<Saml2BearerTokenOutcome>>(
            () =>
            {
                leader = true;
                return RunFlightAsync(key, factory);
            },
            LazyThreadSafetyMode.ExecutionAndPublication));

        var outcome = await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return leader || outcome.Token is null || outcome.Source is not (Saml2BearerTokenLookupSource.Exchanged or Saml2BearerTokenLookupSource.Refreshed)
            ? outcome
            : outcome.Joined();
    }

    private async Task<Saml2BearerTokenOutcome> RunFlightAsync(string key, Func<Task<Saml2BearerTokenOutcome>> factory)
    {
        try
        {
            // A flight that finished between this caller's miss and its GetOrAdd has already stored the token.
            if (Cache.TryGet(key, out var cached))
            {
                return Saml2BearerTokenOutcome.Obtained(cached!, Saml2BearerTokenLookupSource.MemoryCache);
            }

            if (Cache.Distributed is null)
            {
                return await CreateAndStoreAsync(key, factory).ConfigureAwait(false);
            }

            if (await GetDistributedAsync(key).ConfigureAwait(false) is { } shared)
            {
                return shared;
            }

            return Cache.DistributedLock is not { } distributedLock
                ? await CreateAndStoreAsync(key, factory).ConfigureAwait(false)
                : await CreateUnderLockAsync(key, factory, distributedLock).ConfigureAwait(false);
        }
        finally
        {
            _flights.TryRemove(key, out _);
        }
    }

    /// <summary>
    /// Creates while holding the key's cross-instance lock. An instance that finds the lock taken waits for
    /// the holder's token to appear in the distributed store, and takes the lock itself when it is released
    /// without a token (the holder failed; failures are never shared). It creates without the lock when
    /// Redis cannot be asked, or when the wait outlives the lock's expiry.
    /// </summary>
    private async Task<Saml2BearerTokenOutcome> CreateUnderLockAsync(string key, Func<Task<Saml2BearerTokenOutcome>> factory, Saml2BearerDistributedLock distributedLock)
    {
        var holder = Guid.NewGuid().ToString("N");

        // Waiting is bounded on the real clock: it limits how long a request waits, whatever the injected clock says.
        var waited = Stopwatch.StartNew();
        var announced = false;
        while (true)
        {
            var status = await distributedLock.TryAcquireAsync(key, holder).ConfigureAwait(false);
            if (status == Saml2BearerDistributedLockStatus.Unavailable)
            {
                return await CreateAndStoreAsync(key, factory).ConfigureAwait(false);
            }

            if (status == Saml2BearerDistributedLockStatus.Acquired)
            {
                try
                {
                    // The previous holder may have stored its token between this instance's miss and now.
                    return await GetDistributedAsync(key).ConfigureAwait(false)
                        ?? await CreateAndStoreAsync(key, factory).ConfigureAwait(false);
                }
                finally
                {
                    await distributedLock.ReleaseAsync(key, holder).ConfigureAwait(false);
                }
            }

            if (!announced)
            {
                Saml2BearerLog.DistributedExchangeWaiting(Cache.Logger, Saml2BearerLog.Short(key));
                announced = true;
            }

            if (waited.Elapsed >= distributedLock.Expiry)
            {
                Saml2BearerLog.DistributedExchangeWaitEnded(Cache.Logger, Saml2BearerLog.Short(key));
                return await CreateAndStoreAsync(key, factory).ConfigureAwait(false);
            }

            await Task.Delay(Saml2BearerTokenCache.LockPollInterval).ConfigureAwait(false);
            if (await GetDistributedAsync(key).ConfigureAwait(false) is { } shared)
            {
                return shared;
            }
        }
    }

    private async Task<Saml2BearerTokenOutcome?> GetDistributedAsync(string key) =>
        await Cache.GetDistributedAsync(key).ConfigureAwait(false) is { } token
            ? Saml2BearerTokenOutcome.Obtained(token, Saml2BearerTokenLookupSource.DistributedCache)
            : null;

    private async Task<Saml2BearerTokenOutcome> CreateAndStoreAsync(string key, Func<Task<Saml2BearerTokenOutcome>> factory)
    {
        var outcome = await factory().ConfigureAwait(false);
        if (outcome.Token is not null && !outcome.IsUnvetted)
        {
            await Cache.SetAsync(key, outcome.Token).ConfigureAwait(false);
        }
        else if (outcome.Failure?.Status == Saml2BearerTokenResultStatus.InvalidGrant)
        {
            await Cache.RemoveAsync(key).ConfigureAwait(false);
        }

        return outcome;
    }

    /// <summary>Inside the flight: renews the key's token with its refresh token when it may, else exchanges the request's assertion.</summary>
    private async Task<Saml2BearerTokenOutcome> ObtainAsync(string key, Saml2BearerTokenAcquisition acquisition)
    {
        // The distributed store first: another instance may have rotated the refresh token this one holds.
        var renewable = await Cache.GetDistributedAsync(key, includeRenewable: true).ConfigureAwait(false)
            ?? (Cache.TryGetRenewable(key, out var inMemory) ? inMemory : null);
        if (renewable is not null && Cache.IsUsable(renewable))
        {
            // Another instance stored a fresh token since this flight looked.
            return Saml2BearerTokenOutcome.Obtained(renewable, Saml2BearerTokenLookupSource.DistributedCache);
        }

        if (renewable is not null && renewable.Response.RefreshToken is not null)
        {
            if (MayRenew(renewable, acquisition))
            {
                var renewed = await RenewAsync(key, renewable, acquisition).ConfigureAwait(false);
                if (renewed is not null)
                {
                    return renewed;
                }
            }
            else
            {
                Saml2BearerLog.RenewalDeclined(acquisition.Logger, Saml2BearerLog.Short(key), "the session ended or the assertion was not validated here");
            }

            // The refresh token goes: whatever the exchange answers, it is not presented again.
            await Cache.RemoveAsync(key).ConfigureAwait(false);
        }

        return await ExchangeAsync(acquisition).ConfigureAwait(false);
    }

    private bool MayRenew(Saml2BearerCachedToken renewable, Saml2BearerTokenAcquisition acquisition)
    {
        var now = _timeProvider.GetUtcNow();
        return acquisition.Assertion is { } assertion
            && renewable.CanRenewAt(now)
            && (assertion.SessionNotOnOrAfter is not { } sessionEnd || now < sessionEnd);
    }

    /// <summary>
    /// Presents the refresh token. Returns the outcome, or <see langword="null"/> when the server refused the
    /// refresh token or the token service cannot refresh: then the assertion is exchanged.
    /// </summary>
    private async Task<Saml2BearerTokenOutcome?> RenewAsync(string key, Saml2BearerCachedToken renewable, Saml2BearerTokenAcquisition acquisition)
    {
        var refreshToken = renewable.Response.RefreshToken!;
        Saml2BearerTokenResult result;
        try
        {
            // Like the exchange, the refresh serves every caller waiting for this key.
            result = await acquisition.TokenService.RefreshAsync(
                new Saml2BearerRefreshRequest { SchemeName = acquisition.SchemeName, Options = acquisition.Options, RefreshToken = refreshToken },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            Saml2BearerLog.RenewalDeclined(acquisition.Logger, Saml2BearerLog.Short(key), "the token service cannot refresh");
            return null;
        }

        if (result.Status == Saml2BearerTokenResultStatus.InvalidGrant)
        {
            Saml2BearerLog.RenewalDeclined(acquisition.Logger, Saml2BearerLog.Short(key), "the authorization server refused the refresh token");
            return null;
        }

        if (result.Status != Saml2BearerTokenResultStatus.Success)
        {
            if (!result.IsLogged)
            {
                Saml2BearerLog.ExchangeFailed(acquisition.Logger, result, quiet: false);
            }

            return Saml2BearerTokenOutcome.Failed(result, Saml2BearerTokenLookupSource.Refreshed);
        }

        // Rotation: a new refresh token replaces the old one; none in the response means the server kept the old one.
        var response = result.Response!;
        var rotated = response.RefreshToken is not null;
        if (!rotated)
        {
            response = WithRefreshToken(response, refreshToken);
        }

        Saml2BearerLog.TokenRenewed(acquisition.Logger, Saml2BearerLog.Short(key), rotated);
        return await CompleteAsync(acquisition, response, Saml2BearerTokenLookupSource.Refreshed, rotated ? null : renewable.RenewableUntil).ConfigureAwait(false);
    }

    private static Saml2BearerTokenResponse WithRefreshToken(Saml2BearerTokenResponse response, string refreshToken) => new()
    {
        AccessToken = response.AccessToken,
        TokenType = response.TokenType,
        ExpiresIn = response.ExpiresIn,
        RefreshToken = refreshToken,
        Scope = response.Scope,
        IdToken = response.IdToken,
        AdditionalParameters = response.AdditionalParameters,
    };

    /// <summary>
    /// Until when the response's refresh token may renew: <paramref name="previous"/> (a kept refresh
    /// token's), else what the server says (<c>refresh_token_expires_in</c>), else
    /// <see cref="Saml2BearerOptions.RefreshTokenLifetime"/>; never past the assertion's <c>SessionNotOnOrAfter</c>.
    /// <see langword="null"/> without a refresh token, or when the assertion was not validated here.
    /// </summary>
    private DateTimeOffset? RenewableUntil(Saml2BearerTokenAcquisition acquisition, Saml2BearerTokenResponse response, DateTimeOffset? previous)
    {
        if (response.RefreshToken is null || acquisition.Assertion is not { } assertion)
        {
            return null;
        }

        var until = previous ?? _timeProvider.GetUtcNow() + (RefreshTokenExpiresIn(response) ?? acquisition.Options.RefreshTokenLifetime);
        return assertion.SessionNotOnOrAfter is { } sessionEnd && sessionEnd < until ? sessionEnd : until;
    }

    private static TimeSpan? RefreshTokenExpiresIn(Saml2BearerTokenResponse response) =>
        response.AdditionalParameters.TryGetValue("refresh_token_expires_in", out var value)
        && value.ValueKind == System.Text.Json.JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private async Task<Saml2BearerTokenOutcome> ExchangeAsync(Saml2BearerTokenAcquisition acquisition)
    {
        using var measurement = new Saml2BearerExchangeMeasurement(
            acquisition.Metrics, acquisition.EndpointState, _timeProvider, acquisition.SchemeName, acquisition.Assertion?.Issuer);
        var outcome = await ExchangeCoreAsync(acquisition).ConfigureAwait(false);
        if (outcome.Failure is { IsLogged: false } failure)
        {
            // Once per exchange, however many requests wait for it: nobody has logged this failure yet.
            Saml2BearerLog.ExchangeFailed(acquisition.Logger, failure, quiet: false);
        }

        measurement.Completed(outcome.Failure);
        return outcome;
    }

    private async Task<Saml2BearerTokenOutcome> ExchangeCoreAsync(Saml2BearerTokenAcquisition acquisition)
    {
        var options = acquisition.Options;
        var assertionXml = acquisition.AssertionXml;
        var version = acquisition.Assertion?.Version
            ?? (Saml2DocumentStructure.IsSaml11Document(assertionXml) ? Saml2AssertionVersion.Saml11 : Saml2AssertionVersion.Saml20);

        // The exchange serves every caller waiting for this key: no single caller's cancellation ends it.
        var result = await acquisition.TokenService.ExchangeAsync(
            new Saml2BearerTokenRequest
            {
                SchemeName = acquisition.SchemeName,
                Options = options,
                Assertion = assertionXml,
                Scope = options.Scope,
                GrantType = version == Saml2AssertionVersion.Saml11 ? options.Saml11GrantType : null,
                AssertionVersion = version,
            },
            CancellationToken.None).ConfigureAwait(false);
        return result.Status == Saml2BearerTokenResultStatus.Success
            ? await CompleteAsync(acquisition, result.Response!, Saml2BearerTokenLookupSource.Exchanged).ConfigureAwait(false)
            : Saml2BearerTokenOutcome.Failed(result, Saml2BearerTokenLookupSource.Exchanged);
    }

    /// <summary>
    /// A token response the server gave: its JWTs are checked, its expiry is computed, and the request that
    /// started the flight vets it with <c>OnTokenReceived</c>, whose verdict (or replacement) then holds for
    /// every caller waiting on this flight.
    /// </summary>
    private async Task<Saml2BearerTokenOutcome> CompleteAsync(
        Saml2BearerTokenAcquisition acquisition, Saml2BearerTokenResponse response, Saml2BearerTokenLookupSource source, DateTimeOffset? renewableUntil = null)
    {
        var options = acquisition.Options;
        IReadOnlyList<System.Security.Claims.Claim>? claims;
        try
        {
            claims = await _claimsValidator.ValidateAsync(options, response, CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Discovery or JWKS could not be had.
            claims = null;
        }

        if (claims is null)
        {
            Saml2BearerLog.TokenValidationFailed(acquisition.Logger);
            return Saml2BearerTokenOutcome.Failed(Saml2BearerTokenResult.LoggedFailure(Saml2BearerTokenResultStatus.ServiceUnavailable, "invalid_token_response"), source);
        }

        if (options.AssertionValidationMode == Saml2BearerAssertionValidationMode.TrustAuthorizationServer && !_claimsValidator.CanVouch(options, response))
        {
            Saml2BearerLog.TokenDoesNotVouch(acquisition.Logger);
            return Saml2BearerTokenOutcome.Failed(Saml2BearerTokenResult.LoggedFailure(Saml2BearerTokenResultStatus.ServiceUnavailable, "invalid_token_response"), source);
        }

        var expiresAt = _timeProvider.GetUtcNow() + (response.ExpiresIn ?? options.DefaultTokenLifetime);
        if (acquisition.RequestAborted.IsCancellationRequested)
        {
            // The request that started the flight is gone, and its HttpContext with it: nothing is stored,
            // and each waiting request raises the event on its own context.
            return Saml2BearerTokenOutcome.Unvetted(new Saml2BearerCachedToken(response, expiresAt, claims, RenewableUntil(acquisition, response, renewableUntil)), source);
        }

        var tokenReceived = await acquisition.TokenReceived(response).ConfigureAwait(false);
        return tokenReceived.Result is not null
            ? Saml2BearerTokenOutcome.Decided(tokenReceived.Result, source)
            : Saml2BearerTokenOutcome.Obtained(
                new Saml2BearerCachedToken(tokenReceived.TokenResponse, expiresAt, claims, RenewableUntil(acquisition, tokenReceived.TokenResponse, renewableUntil)), source);
    }

    public void Dispose() => Cache.Dispose();
}
