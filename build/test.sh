#!/usr/bin/env bash
# Installs what a fresh machine lacks, then builds and runs every test project of the solution.
# Exits non-zero when a test fails, when no test ran, or when any test was skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v xmlsec1 >/dev/null 2>&1 || apt_packages+=(xmlsec1)
command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
command -v samlsign >/dev/null 2>&1 || apt_packages+=(opensaml-tools)
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "build/test.sh: installing ${apt_packages[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi
echo "build/test.sh: xmlsec1 $(xmlsec1 --version 2>/dev/null | head -n1)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build AspNetCore.Saml2Bearer.sln -c Release -nologo -v quiet

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# The default console logger prints failures in full and one "Passed!/Failed!" line per test project.
dotnet test AspNetCore.Saml2Bearer.sln -c Release --no-build -nologo 2>&1 | tee "$log" || status=$?

# One line per test project, then the totals.
echo "build/test.sh: per test project:"
grep -E '^(Passed|Failed)!' "$log" || true
read -r passed failed skipped < <(awk '
  /^(Passed|Failed)!/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") { gsub(",", "", $(i+1)); f += $(i+1) }
      if ($i == "Passed:") { gsub(",", "", $(i+1)); p += $(i+1) }
      if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
    }
  }
  END { print p + 0, f + 0, s + 0 }' "$log")
echo "${passed} passed, ${failed} failed, ${skipped} skipped"

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  echo "build/test.sh: tests failed" >&2
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "build/test.sh: no test ran" >&2
  exit 1
fi
if [ "$skipped" -ne 0 ]; then
  echo "build/test.sh: ${skipped} tests were skipped; every test must run" >&2
  exit 1
fi
