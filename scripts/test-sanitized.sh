#!/usr/bin/env bash
# The unit and CLI tests under AddressSanitizer + UndefinedBehaviorSanitizer (README, "Hardening"):
# configures build-asan with -DSIM_SANITIZE=ON (gcc), taking the LibTorch plugins from the normal
# build (which it builds first), builds it and runs ctest there with the sanitizers' settings
# (scripts/suites.sh says which and why). Part of scripts/test.sh, so CI runs it after the normal
# tests.
# Extra arguments go to ctest, e.g.  scripts/test-sanitized.sh -R embeddings
# Environment: SIM_ASAN_BUILD_DIR (default: build-asan), SIM_JOBS (default: 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=suites.sh
source "$root/scripts/suites.sh"
"$root/scripts/setup.sh" --no-build
suite_build sanitized
suite_ctest sanitized "$@"
