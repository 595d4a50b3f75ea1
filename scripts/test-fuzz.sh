#!/usr/bin/env bash
# The fuzz harnesses' short runs (README, "Hardening"; part of scripts/test.sh): configures
# build-fuzz with -DSIM_FUZZ=ON and clang-14 (no LibTorch: sim_core, sim_search, the harnesses and
# their seed writer only), builds it and runs its ctest tests, a few thousand fixed-seed inputs per
# reader. scripts/fuzz.sh fuzzes the same build for longer.
# Extra arguments go to ctest, e.g.  scripts/test-fuzz.sh -R idx
# Environment: SIM_FUZZ_BUILD_DIR (default: build-fuzz), SIM_JOBS (default: 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIM_FUZZ_BUILD_DIR:-$root/build-fuzz}"
"$root/scripts/setup.sh" --fuzz --no-build
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DSIM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
fi
cmake --build "$build" -j "${SIM_JOBS:-2}"
ctest --test-dir "$build" --output-on-failure -j "${SIM_JOBS:-2}" "$@"
