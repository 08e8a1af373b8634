using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the assertion replay store in the application's Entity Framework Core database.</summary>
public static class Saml2BearerDbContextServiceCollectionExtensions
{
    /// <summary>
    /// Makes every instance of an authorization server that shares <typeparamref name="TContext"/>'s
    /// database refuse an assertion any of them has already accepted: the
    /// <see cref="ISaml2AssertionReplayStore"/> becomes one row per used assertion in the table
    /// <c>modelBuilder.AddSaml2AssertionReplayEntries()</c> maps, in place of the in-memory store that
    /// protects one instance only. Call it beside <c>AddSaml2BearerGrant(...)</c>, in either order, with the
    /// context registered (<c>AddDbContext&lt;TContext&gt;</c>). While the database cannot answer, grants are
    /// refused with <c>temporarily_unavailable</c>, never accepted unchecked.
    /// </summary>
    /// <typeparam name="TContext">The application's context; its model must include the replay entries.</typeparam>
    /// <param name="services">The services of the application.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddSaml2BearerDbContextReplayStore<TContext>(this IServiceCollection services)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);

        // Replace, not TryAdd: AddSaml2Bearer and AddSaml2BearerGrant register the in-memory store, before or after this.
        services.Replace(ServiceDescriptor.Singleton<ISaml2AssertionReplayStore, DbContextSaml2AssertionReplayStore<TContext>>());
        return services;
    }
}
