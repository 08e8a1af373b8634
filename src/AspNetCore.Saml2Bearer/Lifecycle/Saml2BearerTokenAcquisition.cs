using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.Events;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Lifecycle;

/// <summary>
/// What one request brings to the token manager: its assertion, the scheme's options and token service,
/// where to log and measure, and how to raise <c>OnTokenReceived</c> on its own context.
/// </summary>
internal sealed class Saml2BearerTokenAcquisition
{
    /// <summary>The scheme on whose behalf the token is obtained.</summary>
    public required string SchemeName { get; init; }

    /// <summary>The scheme's options.</summary>
    public required Saml2BearerOptions Options { get; init; }

    /// <summary>The token service that exchanges and renews.</summary>
    public required ISaml2BearerTokenService TokenService { get; init; }

    /// <summary>The request's decoded assertion.</summary>
    public required byte[] AssertionXml { get; init; }

    /// <summary>The validated assertion, or <see langword="null"/> when it was not validated locally.</summary>
    public Saml2Assertion? Assertion { get; init; }

    /// <summary>The handler's logger.</summary>
    public required ILogger Logger { get; init; }

    /// <summary>The metrics.</summary>
    public required Saml2BearerMetrics Metrics { get; init; }

    /// <summary>The token endpoint's state, for the health check.</summary>
    public required Saml2BearerTokenEndpointState EndpointState { get; init; }

    /// <summary>Signals that the request left; then a token it would have vetted is left to the waiting requests.</summary>
    public CancellationToken RequestAborted { get; init; }

    /// <summary>Raises <c>OnTokenReceived</c> on this request's context.</summary>
    public required Func<Saml2BearerTokenResponse, Task<TokenReceivedContext>> TokenReceived { get; init; }
}
