#!/usr/bin/env bash
# `npm test`: sets up what is missing, type-checks, runs every test with node's test runner,
# and ends with one plain line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests || exit 1
npx tsc -p tsconfig.json --noEmit || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }

mapfile -t files < <(find test -name '*.test.ts' | sort)
log=$(mktemp)
node --import tsx --test --test-reporter=spec --test-concurrency="${TEST_CONCURRENCY:-2}" "${files[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
pass=$(grep -E '^ℹ pass [0-9]+' "$log" | awk '{print $3}')
fail=$(grep -E '^ℹ fail [0-9]+' "$log" | awk '{print $3}')
rm -f "$log"
echo "${pass:-0} passed, ${fail:-0} failed"
exit "$status"
