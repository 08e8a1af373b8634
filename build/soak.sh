#!/usr/bin/env bash
# Soak test of the token cache (not run in CI): SUBJECTS subjects in turn for SECONDS, each request with
# an assertion of its own, through the handler in process (TestServer), the token and assertion caches
# limited to CACHE_LIMIT and, when redis-server is installed, a Redis of the soak's own as the L2 (the
# Data Protection key ring in it too). RSS and the managed heap (after a full GC) are printed every
# SAMPLE_SECONDS as a time series. Verdict: a plateau when neither grew more than BOUND_PERCENT over
# the second half of the run (both caches are full after the first round of subjects); fails otherwise,
# or when a request fails, or when with Redis a subject was exchanged more than once.
#   build/soak.sh [SECONDS=600] [SUBJECTS=30000] [CACHE_LIMIT=10000] [SAMPLE_SECONDS=30] [BOUND_PERCENT=10]
# SOAK_REDIS=none runs without Redis (memory cache only). Run it niced on a shared machine:
#   nice -n 10 build/soak.sh 900
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
project=tests/AspNetCore.Saml2Bearer.LoadTarget
dotnet build "$project" -c Release -nologo -v quiet

redis=none
if [[ "${SOAK_REDIS:-auto}" != none ]] && command -v redis-server >/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  dir=$(mktemp -d)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
  redis_pid=$!
  trap 'kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis="127.0.0.1:$port,syncTimeout=5000,asyncTimeout=5000"
fi

status=0
dotnet run --project "$project" -c Release --no-build -- soak "${1:-600}" "${2:-30000}" "${3:-10000}" "${4:-30}" "${5:-10}" "$redis" || status=$?
if [[ "$redis" != none ]]; then
  echo "redis: $(redis-cli -p "$port" dbsize) keys, $(redis-cli -p "$port" info memory | grep -m1 used_memory_human | tr -d '\r')"
fi
exit $status
