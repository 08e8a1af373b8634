#!/usr/bin/env bash
# Soak test of the token cache (not run in CI): SUBJECTS distinct subjects, each with its own signed
# assertion, through the handler in process (TestServer) with a TokenCacheSizeLimit; the managed heap
# (after a full GC) and the working set are sampled every SAMPLE_EVERY requests. Fails when the heap
# grows more than BOUND_PERCENT between the middle and the end of the run (the cache is full long
# before the middle, so a bounded cache keeps the heap flat), when the heap ever exceeds MAX_HEAP_MB,
# or when a request fails.
#   build/soak.sh [SUBJECTS=100000] [TOKEN_CACHE_SIZE_LIMIT=10000] [SAMPLE_EVERY=5000] [BOUND_PERCENT=20] [MAX_HEAP_MB=256]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
project=tests/AspNetCore.Saml2Bearer.LoadTarget
dotnet build "$project" -c Release -nologo -v quiet
exec dotnet run --project "$project" -c Release --no-build -- soak "${1:-100000}" "${2:-10000}" "${3:-5000}" "${4:-20}" "${5:-256}"
