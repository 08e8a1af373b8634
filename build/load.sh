#!/usr/bin/env bash
# HTTP load test over Kestrel on 127.0.0.1 (not run in CI). Server pinned to core 0, wrk to core 1.
#   build/load.sh                       ~13 minutes: 30 s warm-up per scenario, 5 interleaved rounds of 20 s
#   build/load.sh --quick               ~2 minutes: 3 s warm-up, 3 rounds of 5 s
#   build/load.sh --warmup S --duration S --rounds N --connections C
# Scenarios (all against tests/AspNetCore.Saml2Bearer.LoadTarget: the ResourceApi sample with its
# Authentication:Schemes:Saml2Bearer configuration, a loopback token endpoint, and the baselines):
#   ping    GET /ping, anonymous
#   noop    GET /noop with the same SAML header as whoami, a handler that returns Success with the same
#           claims without any work (same request, same JSON body: the difference is authentication)
#   whoami  GET /whoami, one repeated assertion: the fast path
#   fresh   GET /fresh, a different assertion per request (2,000 for 20 subjects whose tokens are cached),
#           the SAML scheme with the fast path off, so each request is fully validated
#   naive   GET /naive, SignedXml.CheckSignature(cert) per request (the issue's baseline), same assertions
#   jwt     GET /jwt, JwtBearer with an RS256 JWT and a local key
# Every number is the median of the rounds; compare the ratios, which come from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

warmup=30 duration=20 rounds=5 connections=32
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) warmup=3 duration=5 rounds=3 ;;
    --warmup) warmup="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "build/load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if ! command -v wrk >/dev/null; then
  echo "build/load.sh: installing wrk"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
pin_server=() pin_client=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c 0) pin_client=(taskset -c 1)
else
  echo "build/load.sh: taskset or a second core missing; running unpinned" >&2
fi

project=tests/AspNetCore.Saml2Bearer.LoadTarget
dotnet build "$project" -c Release -nologo -v quiet
dll="$project/bin/Release/net10.0/AspNetCore.Saml2Bearer.LoadTarget.dll"

work=$(mktemp -d /tmp/saml2bearer-load.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

read -r port token_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
base="http://127.0.0.1:$port"

"${pin_server[@]}" dotnet "$dll" serve "$port" "$token_port" "$work/data" 2000 20 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q '^READY' "$work/server.log" 2>/dev/null && break
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log" >&2; echo "build/load.sh: the server exited" >&2; exit 1; fi
  sleep 0.5
done
grep -q '^READY' "$work/server.log" || { cat "$work/server.log" >&2; echo "build/load.sh: the server did not start" >&2; exit 1; }
head -n1 "$work/server.log"

# One Lua script per scenario; done() prints requests, seconds, p50/p99 (µs) and non-2xx.
report='
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f %.1f %.1f %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end'
header_script() { # path header-prefix file
  cat >"$work/$1.lua" <<LUA
local f = assert(io.open("$3", "r")); local v = f:read("*l"); f:close()
wrk.path = "/$1"
wrk.headers["Authorization"] = "$2" .. v
$report
LUA
}
header_script whoami "SAML " "$work/data/assertion.txt"
header_script noop "SAML " "$work/data/assertion.txt"
header_script jwt "Bearer " "$work/data/jwt.txt"
for path in ping; do printf 'wrk.path = "/%s"\n%s\n' "$path" "$report" >"$work/$path.lua"; done
for path in fresh naive; do
  cat >"$work/$path.lua" <<LUA
local lines = {}
for line in io.lines("$work/data/fresh.txt") do lines[#lines + 1] = "SAML " .. line end
local i = math.random(#lines)
request = function()
  i = i % #lines + 1
  return wrk.format("GET", "/$path", { ["Authorization"] = lines[i] })
end
$report
LUA
done

scenarios=(ping noop whoami fresh naive jwt)
alloc() { curl -fsS "$base/_alloc" 2>/dev/null || echo 0; }
# The server's CPU time (user + system, clock ticks) from /proc: CPU per request is what a request
# costs even when other processes share the core, which moves req/s but hardly the CPU per request.
ticks=$(getconf CLK_TCK 2>/dev/null || echo 100)
cpu() { sed 's/.*) //' "/proc/$server_pid/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0; }
run() { # scenario seconds -> "rps p50 p99 bytes/request cpu-us/request"
  local before after cpu_before cpu_after out
  before=$(alloc)
  cpu_before=$(cpu)
  out=$("${pin_client[@]}" wrk -t1 -c"$connections" -d"$2s" -s "$work/$1.lua" "$base/$1" | grep '^RESULT')
  cpu_after=$(cpu)
  after=$(alloc)
  read -r _ n secs p50 p99 errors <<<"$out"
  if [ "$errors" -ne 0 ]; then echo "build/load.sh: $1 had $errors errors or non-2xx responses" >&2; exit 1; fi
  awk -v n="$n" -v s="$secs" -v a="$p50" -v b="$p99" -v x="$before" -v y="$after" -v c="$cpu_before" -v d="$cpu_after" -v t="$ticks" \
    'BEGIN { printf "%.0f %.0f %.0f %.0f %.1f\n", n / s, a, b, (y > x && n > 0) ? (y - x) / n : 0, (n > 0) ? (d - c) / t * 1e6 / n : 0 }'
}

# Other work on the machine moves every number: say how busy it was, before and after.
echo "build/load.sh: load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build/load.sh: warm-up ${warmup} s per scenario, then ${rounds} interleaved rounds of ${duration} s, ${connections} connections"
for s in "${scenarios[@]}"; do run "$s" "$warmup" >/dev/null; done
for r in $(seq 1 "$rounds"); do
  for s in "${scenarios[@]}"; do
    result=$(run "$s" "$duration")
    echo "$s $result" >>"$work/results"
    echo "  round $r  $s  $result" | awk '{ printf "  %s %s  %-7s %8s req/s  p50 %6s us  p99 %7s us  %6s B/req  %7s cpu-us/req\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
  done
done

echo
python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    s, rps, p50, p99, alloc, cpu = line.split()
    rows.setdefault(s, []).append((float(rps), float(p50), float(p99), float(alloc), float(cpu)))
med = {s: [statistics.median(c) for c in zip(*v)] for s, v in rows.items()}
print(f"{'scenario':8} {'req/s':>9} {'p50 us':>8} {'p99 us':>8} {'B/req':>8} {'cpu-us/req':>11}   (medians; B/req and CPU = the whole server process incl. Kestrel and GC)")
for s in ["ping", "noop", "whoami", "fresh", "naive", "jwt"]:
    r, a, b, al, c = med[s]
    print(f"{s:8} {r:9.0f} {a:8.0f} {b:8.0f} {al:8.0f} {c:11.1f}")
def ratio(x, y, target):
    v = med[x][0] / med[y][0]
    w = med[y][4] / med[x][4] if med[x][4] > 0 else float("nan")
    print(f"  {x + ' / ' + y:16} {v:6.2f}x throughput   target >= {target}x: {'MET' if v >= target else 'NOT MET'}   (by server CPU per request: {w:.2f}x)")
print("ratios (throughput, same run):")
ratio("whoami", "noop", 0.9)
ratio("whoami", "jwt", 2.5)
ratio("fresh", "naive", 6)
print(f"  {'whoami / ping':16} {med['whoami'][0] / med['ping'][0]:6.2f}x throughput")
print(f"  fast-path allocations above noop: {med['whoami'][3] - med['noop'][3]:.0f} B/request (whoami {med['whoami'][3]:.0f}, noop {med['noop'][3]:.0f}, ping {med['ping'][3]:.0f})")
PY
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=
grep '^token requests' "$work/server.log" || true
echo "build/load.sh: load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
