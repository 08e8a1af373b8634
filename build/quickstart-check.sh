#!/usr/bin/env bash
# What a new user does: a fresh `dotnet new web` app, the main package from artifacts/packages (a local
# NuGet source, packed first by build/pack.sh), the README quickstart as Program.cs. Builds it,
# prints how many packages the app then depends on, runs it on a loopback port and checks that an
# anonymous GET /whoami answers 401 with `WWW-Authenticate: SAML`. Not part of CI (it takes minutes).
#
#   build/quickstart-check.sh [--keep]     --keep leaves the temporary app for inspection
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
keep=false
[ "${1:-}" = "--keep" ] && keep=true

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
packages="$repo/artifacts/packages"
# Packs this commit (an incremental build), so an older package in artifacts/ is never the one checked.
bash build/pack.sh >/dev/null
nupkg=$(ls -t "$packages"/AspNetCore.Saml2Bearer.[0-9]*.nupkg | head -n1)
version=$(basename "$nupkg" .nupkg); version=${version#AspNetCore.Saml2Bearer.}

work=$(mktemp -d /tmp/saml2bearer-quickstart.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ "$keep" = true ]; then echo "quickstart-check: app kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# A package of this version packed earlier would be taken from the global cache instead of the new one.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/aspnetcore.saml2bearer/$version"

cd "$work"
dotnet new web -o app -n QuickstartApp >/dev/null
cd app
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="saml2bearer-local" value="$packages" />
  </packageSources>
</configuration>
XML
dotnet add package AspNetCore.Saml2Bearer --version "$version" >/dev/null

# The README quickstart, as the file CI builds when there is one, else the README's block made whole.
if [ -f "$repo/samples/Quickstart/Program.cs" ]; then
  cp "$repo/samples/Quickstart/Program.cs" Program.cs
else
  {
    echo 'using System.Security.Claims;'
    echo 'using AspNetCore.Saml2Bearer;'
    echo
    echo 'var builder = WebApplication.CreateBuilder(args);'
    awk '/^## Quickstart/ { q = 1 } q && /^```csharp/ { c = 1; next } c && /^```/ { exit } c { print }' "$repo/README.md"
    echo 'app.Run();'
  } > Program.cs
fi

dotnet build -c Release -nologo -v quiet >/dev/null
transitive=$(dotnet list package --include-transitive | awk '/Transitive Package/ { t = 1; next } t && /^ *> / { n++ } END { print n + 0 }')
top=$(dotnet list package | grep -c '^ *> ' || true)
echo "quickstart-check: AspNetCore.Saml2Bearer $version: $top top-level package(s), $transitive transitive package(s)"

# The IdP certificate the configuration trusts; the AS is never called by an anonymous request.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=quickstart-idp" -days 2 \
  -keyout idp.key -out idp.pem >/dev/null 2>&1
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export Authentication__Schemes__Saml2Bearer__TokenEndpoint=https://as.example.com/oauth2/token \
  Authentication__Schemes__Saml2Bearer__ClientId=orders-api \
  Authentication__Schemes__Saml2Bearer__ClientSecret=not-a-secret \
  Authentication__Schemes__Saml2Bearer__Scope=orders.read \
  Authentication__Schemes__Saml2Bearer__Assertion__ValidIssuers__0=https://idp.example.com/saml \
  Authentication__Schemes__Saml2Bearer__Assertion__SigningCertificates__0="$PWD/idp.pem" \
  Authentication__Schemes__Saml2Bearer__Assertion__ValidAudiences__0=https://as.example.com/
dotnet run -c Release --no-build -- --urls "http://127.0.0.1:$port" > server.log 2>&1 &
server_pid=$!

headers=
for _ in $(seq 1 120); do
  if headers=$(curl -s -D - -o /dev/null --max-time 5 "http://127.0.0.1:$port/whoami" 2>/dev/null) && [ -n "$headers" ]; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat server.log >&2; echo "quickstart-check: the app exited" >&2; exit 1; fi
  sleep 0.5
done
status=$(printf '%s' "$headers" | head -n1 | tr -d '\r')
challenge=$(printf '%s' "$headers" | grep -i '^WWW-Authenticate:' | tr -d '\r' || true)
echo "quickstart-check: GET /whoami -> $status; $challenge"
if [[ "$status" != *" 401"* ]] || ! printf '%s' "$challenge" | grep -qiE '^WWW-Authenticate: SAML( |$)'; then
  cat server.log >&2
  echo "quickstart-check: expected 401 with WWW-Authenticate: SAML" >&2
  exit 1
fi
echo "quickstart-check: passed"
