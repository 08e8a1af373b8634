using System.Diagnostics;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// The package's <see cref="ActivitySource"/>, named <see cref="Saml2BearerDefaults.DiagnosticsName"/>, held
/// in a static field as ASP.NET Core holds its own. Its spans carry the scheme, the validated issuer, the
/// exchange outcome and, on failures, <c>error.type</c>, under the same attribute names as the metrics
/// (<see cref="Saml2BearerTelemetryAttributes"/>); never a NameID, an assertion, a token or a secret.
/// </summary>
internal static class Saml2BearerActivitySource
{
    public const string ValidateAssertionName = "Saml2Bearer.ValidateAssertion";
    public const string ExchangeTokenName = "Saml2Bearer.ExchangeToken";

    public static readonly ActivitySource Source = new(Saml2BearerDefaults.DiagnosticsName);

    /// <summary>Starts a span when someone listens; <see langword="null"/> otherwise.</summary>
    public static Activity? Start(string name, string scheme)
    {
        var activity = Source.StartActivity(name, ActivityKind.Internal);
        activity?.SetTag(Saml2BearerTelemetryAttributes.Scheme, scheme);
        return activity;
    }
}
