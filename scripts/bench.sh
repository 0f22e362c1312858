#!/bin/bash
# Runs the end-to-end benchmarks (root, real services in sandbox boxes) and
# prints their figures as one table: `make bench` after `make build`.
#   ./scripts/bench.sh                 # every Bench/Performance e2e test
#   ./scripts/bench.sh 'ProofBench'    # a subset (a go test -run pattern)
# Figures are printed, never asserted. Each test prints lines
# "BENCH|what|value"; the full log is kept in bin/bench-<date>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern=${1:-'Bench|Performance'}
bin=${POSSE_BIN:-$PWD/bin}
if [ ! -x "$bin/possectl" ]; then
  echo "bench: $bin/possectl is missing: run make build first" >&2
  exit 1
fi
mkdir -p bin
log=bin/bench-$(date -u +%Y%m%dT%H%M%SZ).log
echo "bench: go test -run '$pattern' ./e2e/ (log: $log)"
set +e
POSSE_E2E=1 POSSE_E2E_BENCH=1 POSSE_BIN="$bin" go test -count=1 -timeout 120m -v -run "$pattern" ./e2e/ >"$log" 2>&1
rc=$?
set -e
echo
echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| what | figure |"
echo "|---|---|"
grep -h '^BENCH|' "$log" | awk -F'|' '{printf "| %s | %s |\n", $2, $3}'
# Tests that log their figures in their own words (no BENCH lines).
grep -hE '^\s+[a-z_]+_test\.go:[0-9]+: .*(ms/user|ratio|MB/s)' "$log" | sed -E 's/^\s+/  /' || true
grep -E '^(--- FAIL|FAIL|ok )' "$log" || true
exit $rc
