#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them; arguments go to BenchmarkDotNet unchanged.
#   build/bench.sh                      all benchmarks, with a job sized for a few minutes on 2 cores
#   build/bench.sh --filter '*Decode*'  a subset
#   build/bench.sh --job short          BenchmarkDotNet's ShortRun instead of the default job
#   build/bench.sh --filter '*Request*' the full-request benchmarks only (Saml2BearerRequestBenchmarks)
#   build/bench.sh --paired [--filter Soap] [--rounds 600]
#                                       the ratio targets of two methods of one class (SoapExtraction) as a
#                                       paired comparison: both alternate in one process, median of the
#                                       per-round ratios with its 95 % interval (PairedComparison.cs)
# Every benchmark is a ratio against the baseline of its class in the same run (the bare SignedXml check
# for Saml2AssertionValidationBenchmarks, the anonymous /ping request for Saml2BearerRequestBenchmarks):
# compare ratios, not absolute means, across machines and runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# The token cache benchmark measures an L2 hit against a real loopback redis-server.
if ! command -v redis-server >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
project=tests/AspNetCore.Saml2Bearer.Benchmarks
# Absolute: `dotnet run` of a Web SDK project runs in the project directory.
artifacts="$PWD/BenchmarkDotNet.Artifacts"

dotnet build "$project" -c Release -nologo -v quiet

if [ "${1:-}" = "--paired" ]; then
  exec dotnet run --project "$project" -c Release --no-build -- "$@"
fi

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
echo "build/bench.sh: ratios against each class's baseline of the same run"
for report in "${reports[@]}"; do
  grep -E '^\|' "$report"
done
# The comparisons the targets are stated in, from the full-request class when it ran.
python3 - "${reports[@]}" <<'PY'
import re, sys
units = {"ns": 1e-3, "μs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
def micros(text):
    m = re.match(r"\s*([\d.,]+)\s*(ns|μs|us|ms|s)\s*$", text)
    return float(m.group(1).replace(",", "")) * units[m.group(2)] if m else None
def kib(text):
    m = re.match(r"\s*([\d.,]+)\s*(B|KB|MB)\s*$", text)
    return float(m.group(1).replace(",", "")) * {"B": 1 / 1024, "KB": 1, "MB": 1024}[m.group(2)] if m else None
rows = {}
for path in sys.argv[1:]:
    header = None
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None and "Method" in cells:
            header = cells
        elif header and len(cells) == len(header) and not set(cells[0]) <= set("-: "):
            rows[cells[0]] = dict(zip(header, cells))
def mean(name): return micros(rows[name]["Mean"]) if name in rows else None
def compare(a, b, target, label):
    x, y = mean(a), mean(b)
    if x and y:
        speed = y / x
        print(f"  {label:44} {speed:6.2f}x  target >= {target}x: {'MET' if speed >= target else 'NOT MET'}")
if "Saml2FastPath" in rows:
    print("build/bench.sh: throughput ratios (time of the baseline / time of the subject, same run)")
    compare("Saml2FastPath", "NoopHandler", 0.9, "fast path vs no-op handler")
    compare("Saml2FastPath", "JwtBearerRequest", 2.5, "fast path vs JwtBearer")
    compare("Saml2FreshAssertionCachedSubject", "NaiveSignedXmlPerRequest", 6, "fresh assertion, cached subject vs naive SignedXml")
    fast, noop, anon = (kib(rows[n].get("Allocated", "")) if n in rows else None for n in ("Saml2FastPath", "NoopHandler", "Anonymous"))
    if fast is not None and noop is not None and anon is not None:
        print(f"  fast-path allocations: {fast:.2f} KB/request; above the anonymous request {fast - anon:.2f} KB, above no-op {fast - noop:.2f} KB (target <= 2 KB)")
PY
if [ "$status" -ne 0 ]; then
  echo "build/bench.sh: a benchmark failed to build or run (NA above); see $artifacts/*.log" >&2
  exit "$status"
fi
