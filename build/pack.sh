#!/usr/bin/env bash
# Packs every package under src/ (the projects of build/packages.slnf) into artifacts/packages:
# one .nupkg and one .snupkg (symbols) each. The version comes from git tags (MinVer): without a
# "vX.Y.Z" tag it is 0.1.0-preview.0.<height>.
#
#   build/pack.sh [--no-build] [--configuration Release] [--output artifacts/packages]
#
# tests/AspNetCore.Saml2Bearer.PackageTests runs it (with --no-build, into a temporary folder) and checks
# every nuspec.
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=Release
output=artifacts/packages
no_build=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) no_build=(--no-build) ;;
    --configuration|-c) configuration="$2"; shift ;;
    --output|-o) output="$2"; shift ;;
    *) echo "build/pack.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$output"
output=$(cd "$output" && pwd)
# Packages of an earlier version would sit beside the new ones and be mistaken for them.
rm -f "$output"/AspNetCore.Saml2Bearer*.nupkg "$output"/AspNetCore.Saml2Bearer*.snupkg

dotnet pack build/packages.slnf -c "$configuration" "${no_build[@]}" -nologo -v quiet \
  -p:PackageOutputPath="$output/"

echo "build/pack.sh: packages in $output:"
ls -1 "$output" | grep -E '\.s?nupkg$'
