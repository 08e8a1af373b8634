using AuthorizationServer;

var app = AuthorizationServerApp.Build(args);
await app.RunAsync();
