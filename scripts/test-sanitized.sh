#!/usr/bin/env bash
# The unit and CLI tests under AddressSanitizer + UndefinedBehaviorSanitizer (README, "Hardening"):
# configures build-asan with -DSIM_SANITIZE=ON (gcc, the normal build otherwise, at -O1), builds it
# and runs ctest there. Part of scripts/test.sh, so CI runs it after the normal tests.
# Extra arguments go to ctest, e.g.  scripts/test-sanitized.sh -R embeddings
# Environment: SIM_ASAN_BUILD_DIR (default: build-asan), SIM_JOBS (default: 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIM_ASAN_BUILD_DIR:-$root/build-asan}"
"$root/scripts/setup.sh" --no-build
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSIM_SANITIZE=ON
fi
cmake --build "$build" -j "${SIM_JOBS:-2}"

# detect_leaks: on, with the library leaks we cannot fix suppressed one by one (lsan.supp says why).
# LibTorch is not instrumented: a program that loads it reserves its own memory pools, so ASan's
# container-overflow checks on vectors that cross into it could misfire; no such report has been
# seen, so none is suppressed. halt_on_error: the first report fails the test that triggered it,
# with exit status 86: the CLI tests expect 1 from a program refusing a bad file, which is also the
# sanitizers' default status and would let a report pass for the expected refusal.
# intercept_tls_get_addr=0: gcc 12's runtime (as LLVM's up to 16) takes some dynamic TLS blocks for
# glibc 2.19's, reads a bogus range from before them, and its leak check then dies ("Tracer caught
# signal 11", exit 86 with no report) in programs that dlopen LibTorch (libsim_torch.so); without
# the interception, dynamic TLS is not scanned for pointers, which can only add reports, never
# hide one (google/sanitizers issue 1322).
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=86:strict_string_checks=1:intercept_tls_get_addr=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ctest --test-dir "$build" --output-on-failure -j "${SIM_JOBS:-2}" "$@"
