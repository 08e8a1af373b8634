namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>The kind of key a <see cref="TestSaml2IdentityProvider"/> generates.</summary>
public enum TestSaml2KeyType
{
    /// <summary>RSA 2048, signing with RSA-SHA256.</summary>
    Rsa = 0,

    /// <summary>ECDSA P-256, signing with ECDSA-SHA256.</summary>
    Ecdsa = 1,
}
