// The black-box contract of DESIGN.md: configuration from Authentication:Schemes:Saml2Bearer
// (environment variables with "__"), GET /ping anonymous, GET /whoami behind the SAML scheme.
// ConnectionStrings:Redis (optional) makes Redis the token cache's L2 and the home of the Data
// Protection key ring, so that several instances share (encrypted) tokens.
ResourceApi.ResourceApiApp.Build(args).Run();
