using System.Collections.Concurrent;
using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Supplies the <see cref="Saml2AssertionValidator"/> for a token request. Configured audiences and
/// recipients give one validator; otherwise the audience is the server's issuer and the recipient its
/// token endpoint (RFC 7522 section 3), computed from the OpenIddict options or the request's base URI.
/// </summary>
internal sealed class Saml2BearerGrantValidatorProvider
{
    // Without a configured issuer the defaults follow the request's host; bound the number of cached variants.
    private const int MaximumCachedValidators = 16;

    private readonly Saml2BearerGrantOptions _options;
    private readonly Lazy<Saml2AssertionValidator>? _configured;
    private readonly ConcurrentDictionary<(string Issuer, string TokenEndpoint), Saml2AssertionValidator> _byEndpoint = new();

    public Saml2BearerGrantValidatorProvider(IOptions<Saml2BearerGrantOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        if (_options.Assertion.ValidAudiences.Count > 0 && _options.Assertion.ValidRecipients.Count > 0)
        {
            _configured = new Lazy<Saml2AssertionValidator>(() => new Saml2AssertionValidator(_options.Assertion));
        }
    }

    public Saml2AssertionValidator GetValidator(OpenIddictServerEvents.BaseContext context)
    {
        if (_configured is not null)
        {
            return _configured.Value;
        }

        var issuer = GetIssuer(context);
        var tokenEndpoint = GetTokenEndpoint(context, issuer);
        var key = (issuer.AbsoluteUri, tokenEndpoint);
        if (_byEndpoint.TryGetValue(key, out var validator))
        {
            return validator;
        }

        validator = new Saml2AssertionValidator(CreateParameters(issuer, tokenEndpoint));
        return _byEndpoint.Count < MaximumCachedValidators ? _byEndpoint.GetOrAdd(key, validator) : validator;
    }

    /// <summary>The issuer OpenIddict uses: the configured one, else the request's base URI.</summary>
    internal static Uri GetIssuer(OpenIddictServerEvents.BaseContext context) =>
        context.Options.Issuer ?? context.BaseUri
        ?? throw new InvalidOperationException("The OpenIddict issuer is unknown: set it with SetIssuer(...).");

    /// <summary>The absolute URI of the first token endpoint, resolved against the issuer as OpenIddict's discovery does.</summary>
    internal static string GetTokenEndpoint(OpenIddictServerEvents.BaseContext context, Uri issuer)
    {
        var endpoint = context.Options.TokenEndpointUris.FirstOrDefault()
            ?? throw new InvalidOperationException("The OpenIddict server has no token endpoint: set it with SetTokenEndpointUris(...).");
        if (endpoint.IsAbsoluteUri)
        {
            return endpoint.AbsoluteUri;
        }

        var baseUri = issuer.AbsoluteUri.EndsWith('/') ? issuer : new Uri(issuer.AbsoluteUri + "/");
        return new Uri(baseUri, endpoint.OriginalString.TrimStart('/')).AbsoluteUri;
    }

    private Saml2AssertionValidationParameters CreateParameters(Uri issuer, string tokenEndpoint)
    {
        var source = _options.Assertion;
        var parameters = new Saml2AssertionValidationParameters
        {
            ClockSkew = source.ClockSkew,
            MaximumLifetime = source.MaximumLifetime,
            AllowSha1 = source.AllowSha1,
            AllowedEncodings = source.AllowedEncodings,
            MaximumEncodedLength = source.MaximumEncodedLength,
            MaximumDecodedLength = source.MaximumDecodedLength,
            MaximumElementDepth = source.MaximumElementDepth,
            AllowResponseWrapper = source.AllowResponseWrapper,
            AllowSaml11 = source.AllowSaml11,
            TimeProvider = source.TimeProvider,
        };

        foreach (var identityProvider in source.IdentityProviders)
        {
            parameters.IdentityProviders.Add(identityProvider);
        }

        if (source.ValidAudiences.Count > 0)
        {
            foreach (var audience in source.ValidAudiences)
            {
                parameters.ValidAudiences.Add(audience);
            }
        }
        else
        {
            var audience = issuer.AbsoluteUri;
            parameters.ValidAudiences.Add(audience);
            parameters.ValidAudiences.Add(audience.EndsWith('/') ? audience.TrimEnd('/') : audience + "/");
        }

        if (source.ValidRecipients.Count > 0)
        {
            foreach (var recipient in source.ValidRecipients)
            {
                parameters.ValidRecipients.Add(recipient);
            }
        }
        else
        {
            parameters.ValidRecipients.Add(tokenEndpoint);
        }

        return parameters;
    }
}
