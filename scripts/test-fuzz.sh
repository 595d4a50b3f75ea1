#!/usr/bin/env bash
# The fuzz harnesses' short runs (README, "Hardening"; part of scripts/test.sh): configures
# build-fuzz with -DSIM_FUZZ=ON and clang-14 (no LibTorch: sim_core, sim_search, the harnesses and
# their seed writer only), builds it and runs its ctest tests, a few thousand fixed-seed inputs per
# reader. scripts/fuzz.sh fuzzes the same build for longer.
# Extra arguments go to ctest, e.g.  scripts/test-fuzz.sh -R idx
# Environment: SIM_FUZZ_BUILD_DIR (default: build-fuzz), SIM_JOBS (default: 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=suites.sh
source "$root/scripts/suites.sh"
"$root/scripts/setup.sh" --fuzz --no-build
suite_build fuzz
suite_ctest fuzz "$@"
