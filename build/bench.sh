#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them; arguments go to BenchmarkDotNet unchanged.
#   build/bench.sh                      all benchmarks, with a job sized for a few minutes on 2 cores
#   build/bench.sh --filter '*Decode*'  a subset
#   build/bench.sh --job short          BenchmarkDotNet's ShortRun instead of the default job
# Every benchmark is a ratio against the bare SignedXml check of the same run: compare ratios, not
# absolute means, across machines and runs.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
project=tests/AspNetCore.Saml2Bearer.Benchmarks
artifacts=BenchmarkDotNet.Artifacts

dotnet build "$project" -c Release -nologo -v quiet

args=("$@")
has_filter=false
no_report=false
for arg in "$@"; do
  case "$arg" in
    -f|--filter|--filter=*) has_filter=true ;;
    -h|--help|--list|--list=*|--info|--version) no_report=true ;;
  esac
done
if [ "$has_filter" = false ]; then
  args+=(--filter '*')
fi

rm -rf "$artifacts/results"
status=0
dotnet run --project "$project" -c Release --no-build -- --artifacts "$artifacts" "${args[@]}" || status=$?

if [ "$no_report" = true ]; then
  exit "$status"
fi

# The summary tables again, without the environment header: one row per benchmark with its ratio.
shopt -s nullglob
reports=("$artifacts"/results/*-report-github.md)
if [ ${#reports[@]} -eq 0 ]; then
  echo "build/bench.sh: no report was written" >&2
  exit 1
fi
echo
echo "build/bench.sh: ratios against the baseline (SignedXml.CheckSignature of the same assertion)"
for report in "${reports[@]}"; do
  grep -E '^\|' "$report"
done
if [ "$status" -ne 0 ]; then
  echo "build/bench.sh: a benchmark failed to build or run (NA above); see $artifacts/*.log" >&2
  exit "$status"
fi
