using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>The token endpoint health check's logs (event ids 3000-3099); addresses only by authority and path.</summary>
internal static partial class HealthCheckLog
{
    [LoggerMessage(EventId = 3000, EventName = "TokenEndpointProbeFailed", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the health probe of {ProbeAuthority}{ProbePath} got no HTTP answer ({Error}).")]
    public static partial void ProbeFailed(ILogger logger, string schemeName, string probeAuthority, string probePath, string error);

    [LoggerMessage(EventId = 3001, EventName = "TokenEndpointCircuitOpen", Level = LogLevel.Debug,
        Message = "Scheme {SchemeName}: the circuit breaker of the token endpoint is open; not probing.")]
    public static partial void CircuitOpen(ILogger logger, string schemeName);
}
