#!/bin/bash
# Runs the end-to-end tests in two test processes side by side (the e2e
# part of make test). Most of a test's time is spent waiting for services in
# its box, so two runs on two cores finish far sooner than one; each box is
# its own and the sandbox's run lock keeps box creation, removal and leak
# checks of the two apart.
#
# The fault sweep (TestProofFaults) is split between the two: each runs
# half of the faults in a box of its own (POSSE_PROOF_SHARD). The other long
# tests are in the first part, the rest in the second, about even by the
# times of the last run.
#   E2E_PARTS=1 ./scripts/e2e.sh    one process, everything in turn
#   E2E_RUN=REGEXP ./scripts/e2e.sh only those tests, in one process
# Each part's output goes to bin/e2e-logs/ and is printed in full at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=$(pwd)/bin
logs=bin/e2e-logs
mkdir -p "$logs"
gotest=(go test -count=1 -timeout 80m -v)
export POSSE_E2E=1 POSSE_BIN=$bin

if [[ -n ${E2E_RUN:-} ]]; then
  exec "${gotest[@]}" -run "$E2E_RUN" ./e2e/...
fi
if [[ ${E2E_PARTS:-2} == 1 ]]; then
  exec "${gotest[@]}" ./e2e/...
fi

# The first part: the long tests besides the sweep (about 1100 s in the
# last sequential run) and half of the sweep.
first='TestBackup|TestBookworm|TestFleet|TestNotify|TestProofPossedKilled|TestSnapshots|TestBackupCopyCorrupt|TestBackupDisasterRecovery|TestBackupCopies'

start=$(date +%s)
POSSE_PROOF_SHARD=1/2 "${gotest[@]}" -run "^(TestProofFaults|$first)\$" ./e2e/ >"$logs/part1.log" 2>&1 &
p1=$!
POSSE_PROOF_SHARD=2/2 "${gotest[@]}" -skip "^($first)\$" ./e2e/... >"$logs/part2.log" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
for n in 1 2; do
  echo "===== e2e part $n of 2 ====="
  cat "$logs/part$n.log"
done
echo "e2e: part 1 exited $r1, part 2 exited $r2, $(( $(date +%s) - start )) s in all"
[[ $r1 == 0 && $r2 == 0 ]]
