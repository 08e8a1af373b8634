using System.Diagnostics;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// The package's <see cref="ActivitySource"/>, named <see cref="Saml2BearerDefaults.DiagnosticsName"/>, held
/// in a static field as ASP.NET Core holds its own. Its spans carry the scheme, the validated issuer, the
/// rejection reason and the exchange outcome; never a NameID, an assertion, a token or a secret.
/// </summary>
internal static class Saml2BearerActivitySource
{
    public const string ValidateAssertionName = "Saml2Bearer.ValidateAssertion";
    public const string ExchangeTokenName = "Saml2Bearer.ExchangeToken";

    public const string SchemeTag = "saml2bearer.scheme";
    public const string IssuerTag = "saml2bearer.issuer";
    public const string FastPathTag = "saml2bearer.fast_path";
    public const string ReasonTag = "saml2bearer.reason";
    public const string OutcomeTag = "saml2bearer.outcome";

    public static readonly ActivitySource Source = new(Saml2BearerDefaults.DiagnosticsName);

    /// <summary>Starts a span when someone listens; <see langword="null"/> otherwise.</summary>
    public static Activity? Start(string name, string scheme)
    {
        var activity = Source.StartActivity(name, ActivityKind.Internal);
        activity?.SetTag(SchemeTag, scheme);
        return activity;
    }
}
