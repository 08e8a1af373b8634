using System.Runtime.ExceptionServices;
using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer.EntityFrameworkCore;

/// <summary>
/// The replay store in the application's database: one <see cref="Saml2AssertionReplayEntry"/> per used
/// assertion, inserted under its unique key, so that of the instances sharing the database exactly one
/// insert succeeds. A failed insert is then told apart in a fresh context: a live row with the key is a
/// replay; an expired one is taken over by an atomic update; no row at all means the database failed, and
/// the failure propagates (the caller refuses the assertion with a temporary error). Expired rows are
/// deleted at most once a minute per instance, before an insert. Provider-neutral: no provider's error
/// codes are read.
/// </summary>
/// <typeparam name="TContext">The application's context, whose model holds the entries.</typeparam>
internal sealed class DbContextSaml2AssertionReplayStore<TContext> : ISaml2AssertionReplayStore
    where TContext : DbContext
{
    /// <summary>How often one instance deletes expired rows.</summary>
    internal static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _timeProvider;
    private long _nextPurge;

    public DbContextSaml2AssertionReplayStore(IServiceScopeFactory scopes, TimeProvider timeProvider)
    {
        _scopes = scopes;
        _timeProvider = timeProvider;
    }

    public async ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var key = Saml2AssertionReplayKey.Create(issuer, assertionId);
        var now = _timeProvider.GetUtcNow();
        DbUpdateException failure;
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = scope.ServiceProvider.GetRequiredService<TContext>();
            await PurgeOccasionallyAsync(context, now, cancellationToken).ConfigureAwait(false);
            context.Set<Saml2AssertionReplayEntry>().Add(new Saml2AssertionReplayEntry { Key = key, ExpiresAt = expiresAt });
            try
            {
                await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (DbUpdateException exception)
            {
                failure = exception;
            }
        }

        // The failed context keeps the rejected entity: ask in a fresh one.
        var retry = _scopes.CreateAsyncScope();
        await using (retry.ConfigureAwait(false))
        {
            var entries = retry.ServiceProvider.GetRequiredService<TContext>().Set<Saml2AssertionReplayEntry>();
            var takenOver = await entries
                .Where(e => e.Key == key && e.ExpiresAt <= now)
                .ExecuteUpdateAsync(setters => setters.SetProperty(e => e.ExpiresAt, expiresAt), cancellationToken)
                .ConfigureAwait(false);
            if (takenOver == 1)
            {
                // The earlier use had expired: an assertion with this ID could no longer be valid through it.
                return true;
            }

            if (await entries.AnyAsync(e => e.Key == key, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        ExceptionDispatchInfo.Throw(failure);
        return false;
    }

    private async Task PurgeOccasionallyAsync(TContext context, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowTicks = now.UtcTicks;
        var next = Interlocked.Read(ref _nextPurge);
        if (nowTicks < next || Interlocked.CompareExchange(ref _nextPurge, nowTicks + PurgeInterval.Ticks, next) != next)
        {
            return;
        }

        await context.Set<Saml2AssertionReplayEntry>().Where(e => e.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
