#!/usr/bin/env bash
# The README's test command, and CI's (.ci/run): installs what is missing, then runs three suites,
# each in its own build folder:
#   1. build/        the normal build (gcc, Release): every unit and CLI test under ctest;
#   2. build-asan/   the same unit and CLI tests under ASan + UBSan (scripts/test-sanitized.sh);
#   3. build-fuzz/   the libFuzzer harnesses' short runs, one per file reader (scripts/test-fuzz.sh).
# The normal suite comes first: it is the main signal and the quickest. Every suite runs even when
# an earlier one failed, so one CI run reports them all; the command fails if any did, and its last
# lines say which. Figures for each phase are in docs/benchmarks.md.
#
#   scripts/test.sh                  everything (what CI runs)
#   scripts/test.sh -R distance      extra arguments go to every suite's ctest
#
# Environment: SIM_TEST_SANITIZED=0 or SIM_TEST_FUZZ=0 skip suite 2 or 3 (while iterating locally);
# SIM_BUILD_DIR, SIM_ASAN_BUILD_DIR, SIM_FUZZ_BUILD_DIR and SIM_JOBS (default 2) as in the scripts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Every package once, up front (clang for suite 3 too); a failure here stops everything.
"$root/scripts/setup.sh" --fuzz --no-build

summary=()
failed=0
suite() {  # NAME COMMAND...: runs one suite and records how it went and how long it took
  local name="$1" start=$SECONDS status=passed
  shift
  echo "=== test.sh: $name ===" >&2
  if ! "$@"; then status=FAILED; failed=1; fi
  summary+=("$(printf '%-10s %-7s %4d s' "$name" "$status" $((SECONDS - start)))")
}
normal() {
  "$root/scripts/setup.sh" || { echo "test.sh: the normal build failed" >&2; return 1; }
  ctest --test-dir "${SIM_BUILD_DIR:-$root/build}" --output-on-failure -j "${SIM_JOBS:-2}" "$@"
}

suite normal normal "$@"
if [[ ${SIM_TEST_SANITIZED:-1} != 0 ]]; then suite sanitized "$root/scripts/test-sanitized.sh" "$@"; fi
if [[ ${SIM_TEST_FUZZ:-1} != 0 ]]; then suite fuzz "$root/scripts/test-fuzz.sh" "$@"; fi

echo "=== test.sh: summary ===" >&2
printf '%s\n' "${summary[@]}" >&2
if [[ $failed != 0 ]]; then
  echo "test.sh: FAILED (see the suite marked FAILED above)" >&2
  exit 1
fi
echo "test.sh: all suites passed" >&2
