namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>What an endpoint behind the gateway or the exchange middleware received of a SOAP request.</summary>
public sealed record SoapEcho(IReadOnlyDictionary<string, string> Headers, string Body);
