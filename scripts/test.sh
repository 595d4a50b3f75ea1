#!/usr/bin/env bash
# The README's test command, and CI's (.ci/run): installs what is missing, then builds and runs
# three suites, each in its own build folder (scripts/suites.sh):
#   1. normal     build/       gcc Release: every unit and CLI test under ctest;
#   2. sanitized  build-asan/  the same tests under ASan + UBSan, but the LibTorch side's unit tests
#                              (README, "Hardening"; scripts/test-sanitized.sh);
#   3. fuzz       build-fuzz/  the libFuzzer harnesses' short runs, one per file reader.
# The normal suite comes first: it is the main signal and the quickest. Every suite runs even when
# an earlier one failed, so one CI run reports them all; the command fails if any did. It ends
# with each suite's build and test time, its count of tests, and the ten slowest tests.
#
#   scripts/test.sh                  everything (what CI runs)
#   scripts/test.sh --quick          the loop while iterating: the normal build, incrementally, and
#                                    the tests labelled quick: unit tests, the layout check, and one
#                                    smoke run of each program (under 3 minutes after a one-file change)
#   scripts/test.sh -R distance      extra arguments go to every suite's ctest (-L unit, -LE slow, ...)
#
# Every test has a TIMEOUT and labels (unit, cli, layout, quick, slow, distributed, sanitized,
# fuzz; tests/CMakeLists.txt). Environment: SIM_TEST_SANITIZED=0 or SIM_TEST_FUZZ=0 skip suite 2
# or 3; SIM_JOBS (default 2) and the build folders as in scripts/suites.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=suites.sh
source "$root/scripts/suites.sh"

quick=0
if [[ ${1:-} == --quick ]]; then
  quick=1
  shift
fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

suites=(normal)
if [[ $quick == 0 ]]; then
  # Every package once, up front (clang for the fuzz suite too); a failure here stops everything.
  "$root/scripts/setup.sh" --fuzz --no-build
  if [[ ${SIM_TEST_SANITIZED:-1} != 0 ]]; then suites+=(sanitized); fi
  if [[ ${SIM_TEST_FUZZ:-1} != 0 ]]; then suites+=(fuzz); fi
else
  "$root/scripts/setup.sh" --no-build
  set -- -L quick "$@"
fi

summary=()
failed=0
for name in "${suites[@]}"; do
  echo "=== test.sh: $name: build ===" >&2
  start=$SECONDS
  built=1
  suite_build "$name" || built=0
  build_s=$((SECONDS - start))
  start=$SECONDS
  status=passed
  if [[ $built == 0 ]]; then
    status="FAILED (build)"
  else
    echo "=== test.sh: $name: tests ===" >&2
    suite_ctest "$name" "$@" || status=FAILED
  fi
  test_s=$((SECONDS - start))
  [[ $status == passed ]] || failed=1
  log="$(suite_dir "$name")/Testing/ctest.log"
  count="$( ([[ $built == 1 ]] && grep -Eo 'tests? failed out of [0-9]+' "$log") | grep -Eo '[0-9]+$' || echo 0)"
  summary+=("$(printf '%-10s %-15s build %4d s   tests %4d s   %4s tests' "$name" "$status" "$build_s" "$test_s" "$count")")
done

echo "=== test.sh: the ten slowest tests ===" >&2
# awk, not head, takes the first ten: it reads everything, so sort never dies of SIGPIPE (which,
# with pipefail and errexit, would end this script before its summary).
for name in "${suites[@]}"; do
  log="$(suite_dir "$name")/Testing/ctest.log"
  # ctest's lines: "12/366 Test #340: NAME .......   Passed   30.48 sec"
  if [[ -f $log ]]; then
    sed -nE "s/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: (.*[^ .]) \.+[^0-9]*([0-9.]+) sec$/\2 $name: \1/p" "$log"
  fi
done | sort -rn | awk 'NR <= 10 { printf "%8.1f s  ", $1; $1 = ""; print substr($0, 2) }' >&2

echo "=== test.sh: summary ===" >&2
printf '%s\n' "${summary[@]}" >&2
echo "total $((SECONDS / 60)) min $((SECONDS % 60)) s" >&2
if [[ $failed != 0 ]]; then
  echo "test.sh: FAILED (see the suite marked FAILED above)" >&2
  exit 1
fi
echo "test.sh: all suites passed" >&2
