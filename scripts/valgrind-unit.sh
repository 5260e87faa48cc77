#!/usr/bin/env bash
# Run every unit-test binary of a build under valgrind, JOBS at a time. An invalid read or write,
# a use of uninitialised memory, or a leak of radmap's own ("definitely" or "indirectly" lost) fails
# the run; tests/valgrind.supp lists what the libraries keep for the life of the process.
# Usage: scripts/valgrind-unit.sh BUILD_DIR [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/valgrind-unit.sh BUILD_DIR [JOBS]}
jobs=${2:-$(nproc 2>/dev/null || echo 2)}
command -v valgrind >/dev/null || { echo "valgrind-unit: valgrind is not installed (scripts/install-deps.sh)" >&2; exit 1; }
# RADMAP_UNDER_VALGRIND: tests that check many random values check fewer (the memory checks do not
# need millions of them).
export RADMAP_SOURCE_DIR=$PWD RADMAP_TODAY=2026-06-15 RADMAP_UNDER_VALGRIND=1 supp=$PWD/tests/valgrind.supp
run_one() {
  t=$1
  start=$(date +%s)
  rc=0
  valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 --suppressions="$supp" "$t" >"$t.valgrind.out" 2>"$t.valgrind.log" || rc=$?
  if [ "$rc" = 0 ]; then
    echo "valgrind: $(basename "$t") ok ($(( $(date +%s) - start )) s)"
  else
    # 99: valgrind found an error; anything else: the test itself failed.
    echo "valgrind: $(basename "$t") FAILED ($([ "$rc" = 99 ] && echo "memory error or leak" || echo "test failed, exit $rc")):"
    tail -n 60 "$t.valgrind.out" "$t.valgrind.log"
    return 1
  fi
}
export -f run_one
tests=$(find "$build/tests" -maxdepth 1 -name 'test_*' -type f -perm -u+x | sort)
[ -n "$tests" ] || { echo "valgrind-unit: no unit tests in $build/tests" >&2; exit 1; }
# Longest first would be better; alphabetical is close enough at 2 jobs.
echo "$tests" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}
