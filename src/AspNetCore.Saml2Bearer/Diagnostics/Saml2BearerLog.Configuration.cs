using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// The logs of configuration binding at startup, event ids 1200-1299. They name configuration keys,
/// never values.
/// </summary>
internal static partial class Saml2BearerLog
{
    [LoggerMessage(1200, LogLevel.Warning, "Scheme {Scheme}: {Problem} Set RejectUnknownConfigurationKeys to make this a startup error.", EventName = "UnknownConfigurationKey")]
    public static partial void UnknownConfigurationKey(ILogger logger, string scheme, string problem);
}
