#!/usr/bin/env bash
# Run every libFuzzer target of a RADMAP_FUZZ=ON build for a while, under ASan+UBSan.
# Usage: scripts/fuzz-smoke.sh BUILD_DIR [SECONDS]   (SECONDS defaults to $FUZZ_SECONDS, else 60)
#
# Each target starts from its checked-in seed corpus tests/fuzz/corpus/<name>/ (read only) and
# writes what it discovers to BUILD_DIR/fuzz-work/<name>/. A crash, hang (over 10 s), leak or
# sanitizer report stops the run with the reproducer in BUILD_DIR/fuzz-artifacts/ and exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/fuzz-smoke.sh BUILD_DIR [SECONDS]}
seconds=${2:-${FUZZ_SECONDS:-60}}
work="$build/fuzz-work"
artifacts="$build/fuzz-artifacts"
mkdir -p "$work" "$artifacts"
# Allocations that libraries keep or lose on their own (tests/lsan.supp); malloc stacks are
# unwound slowly (8 frames: 4 stop inside libstdc++'s operator new, before the library that called
# it) so that C++ allocations show the library that made them.
export ASAN_OPTIONS="abort_on_error=0:detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=8"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export RADMAP_TODAY=2026-06-15
status=0
ran=0
for src in tests/fuzz/fuzz_*.c; do
  target=$(basename "$src" .c)
  name=${target#fuzz_}
  bin="$build/tests/$target"
  if [ ! -x "$bin" ]; then
    echo "fuzz-smoke: $bin is missing (configure with -DCMAKE_C_COMPILER=clang -DRADMAP_FUZZ=ON)" >&2
    exit 1
  fi
  seeds=tests/fuzz/corpus/$name
  [ -d "$seeds" ] || seeds=tests/fuzz/corpus/$target
  mkdir -p "$work/$name"
  dirs=("$work/$name")
  [ -d "$seeds" ] && dirs+=("$seeds")
  echo "== $target: ${seconds}s from $(find "${dirs[@]}" -type f | wc -l) inputs"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$artifacts/$target-" "${dirs[@]}" > "$work/$target.log" 2>&1; then
    grep -E "stat::(number_of_executed_units|average_exec_per_sec|new_units_added)" "$work/$target.log" | tr '\n' ' '
    echo
  else
    echo "fuzz-smoke: $target FAILED; reproducer in $artifacts/, log $work/$target.log:" >&2
    grep -E "ERROR|SUMMARY|runtime error|#[0-9]+ " "$work/$target.log" | head -40 >&2
    status=1
  fi
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || { echo "fuzz-smoke: no targets in tests/fuzz/" >&2; exit 1; }
exit $status
