namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>The library's log event ids that tell which fault path an exchange took.</summary>
internal static class TokenExchangeEvents
{
    public const int TokenEndpointFailed = 2005;
    public const int TimedOut = 2007;
    public const int Unreachable = 2008;
    public const int ResponseTooLarge = 2009;
    public const int InvalidResponse = 2010;
    public const int DiscoveryFailed = 2011;
    public const int CircuitOpen = 2017;
    public const int ExchangeLimitReached = 2018;
    public const int TokenValidationFailed = 1008;
}
