using System.Security.Claims;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

public sealed record WhoAmIClaim(string Type, string Value);

/// <summary>The JSON of <c>/whoami</c>: the name and every claim.</summary>
public sealed record WhoAmI(string? Name, IReadOnlyList<WhoAmIClaim> Claims)
{
    public static WhoAmI From(ClaimsPrincipal user) =>
        new(user.Identity?.Name, user.Claims.Select(c => new WhoAmIClaim(c.Type, c.Value)).ToList());

    public IReadOnlyList<string> Values(string type) => Claims.Where(c => c.Type == type).Select(c => c.Value).ToList();
}
