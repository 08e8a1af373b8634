// The black-box contract of DESIGN.md: configuration from Authentication:Schemes:Saml2Bearer
// (environment variables with "__"), GET /ping anonymous, GET /whoami behind the SAML scheme.
ResourceApi.ResourceApiApp.Build(args).Run();
