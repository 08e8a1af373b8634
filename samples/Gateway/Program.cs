// A YARP gateway for legacy SAML callers: configure Authentication:Schemes:Saml2Bearer as for the
// ResourceApi sample, and Gateway:Backend with the address of the Bearer-only backend.
Gateway.GatewayApp.Build(args).Run();
