#!/usr/bin/env bash
# Fuzzes decode + validate and the SOAP envelope reader with AFL++ and SharpFuzz for SECONDS (default
# 600) from a seed corpus of valid and malicious assertions and SOAP envelopes, then prints the
# executions, crashes and hangs from fuzzer_stats.
#   build/fuzz.sh        ten minutes
#   build/fuzz.sh 120    two minutes
# Exits non-zero when afl-fuzz found a crash (an exception escaping the validator, or an oracle of
# tests/AspNetCore.Saml2Bearer.Fuzz/FuzzTarget.cs failing). Each crash is replayed with its stack trace;
# turn every one into a regression test. Work files go to artifacts/fuzz/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: build/fuzz.sh [SECONDS]" >&2
  exit 2
fi

if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "build/fuzz.sh: installing afl++"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export PATH="$PATH:${DOTNET_TOOLS_PATH:-$HOME/.dotnet/tools}"
if ! command -v sharpfuzz >/dev/null 2>&1; then
  echo "build/fuzz.sh: installing SharpFuzz.CommandLine"
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi
echo "build/fuzz.sh: afl++ $(dpkg-query -W -f='${Version}' afl++ 2>/dev/null || echo '(not from apt)'), sharpfuzz $(dotnet tool list --global | awk 'tolower($1) == "sharpfuzz.commandline" { print $2 }')"

work=artifacts/fuzz
bin="$work/bin"
plain="$work/plain"
corpus="$work/corpus"
findings="$work/findings"
trust="$work/trust.txt"
rm -rf "$work"
mkdir -p "$work"

# A fresh publish each run: sharpfuzz instruments in place, and only once. Instrumented code writes
# its trace to afl-fuzz's shared memory and cannot run without it, so an uninstrumented copy writes
# the corpus and replays inputs.
dotnet publish tests/AspNetCore.Saml2Bearer.Fuzz -c Release -o "$bin" -nologo -v quiet
cp -R "$bin" "$plain"
sharpfuzz "$bin/AspNetCore.Saml2Bearer.dll"

target=(dotnet "$bin/AspNetCore.Saml2Bearer.Fuzz.dll" --trust "$trust")
replayer=(dotnet "$plain/AspNetCore.Saml2Bearer.Fuzz.dll" --trust "$trust")
"${replayer[@]}" --write-corpus "$corpus"

# Every seed must run without a crash, and every valid-* seed must be accepted: otherwise the corpus and
# the target disagree (keys, clock) and the fuzzer would never reach the code behind the signature check.
replay="$work/seeds.tsv"
if ! "${replayer[@]}" --replay "$corpus" > "$replay"; then
  grep CRASH "$replay" >&2 || true
  echo "build/fuzz.sh: a seed crashes the target before any fuzzing" >&2
  exit 1
fi
if awk -F '\t' '$1 ~ /^valid-/ && $2 != "None" { bad = 1; print "not accepted: " $0 } END { exit !bad }' "$replay"; then
  echo "build/fuzz.sh: a valid seed is rejected; the corpus does not match the target" >&2
  exit 1
fi
echo "build/fuzz.sh: $(wc -l < "$replay") seeds, $(awk -F '\t' '$2 == "None"' "$replay" | wc -l) accepted"

# dotnet is not an AFL binary (the instrumentation lives in the rewritten dll), the sandbox has no
# CPU frequency control and may pipe core dumps elsewhere, and nobody watches the UI.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
echo "build/fuzz.sh: fuzzing for ${seconds} s; log in $work/afl.log"
status=0
afl-fuzz -i "$corpus" -o "$findings" -V "$seconds" -t 5000 -m none -- "${target[@]}" > "$work/afl.log" 2>&1 || status=$?

stats="$findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  tail -n 40 "$work/afl.log" >&2
  echo "build/fuzz.sh: afl-fuzz exited with $status and wrote no fuzzer_stats" >&2
  exit 1
fi

stat() { awk -F ' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
crashes=$(stat saved_crashes); crashes=${crashes:-$(stat unique_crashes)}
hangs=$(stat saved_hangs); hangs=${hangs:-$(stat unique_hangs)}
echo "build/fuzz.sh: run_time $(stat run_time) s, execs_done $(stat execs_done), execs_per_sec $(stat execs_per_sec), corpus_count $(stat corpus_count), bitmap_cvg $(stat bitmap_cvg)"
echo "build/fuzz.sh: crashes ${crashes:-0}, hangs ${hangs:-0}"

shopt -s nullglob
crash_files=("$findings"/default/crashes/id*)
hang_files=("$findings"/default/hangs/id*)
if [ ${#hang_files[@]} -gt 0 ]; then
  echo "build/fuzz.sh: hangs (each exceeded 5 s) are in $findings/default/hangs"
fi
if [ "$status" -ne 0 ]; then
  tail -n 40 "$work/afl.log" >&2
  echo "build/fuzz.sh: afl-fuzz exited with $status" >&2
  exit 1
fi
if [ "${crashes:-0}" -ne 0 ] || [ ${#crash_files[@]} -gt 0 ]; then
  echo "build/fuzz.sh: replaying the crashes in $findings/default/crashes" >&2
  "${replayer[@]}" --replay "${crash_files[@]}" >&2 || true
  exit 1
fi
