#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test under ctest
# (doctest unit tests per libsim part, and CLI tests that run the real programs).
# Extra arguments go to ctest, e.g.  scripts/test.sh -R distance
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
ctest --test-dir "${SIM_BUILD_DIR:-$root/build}" --output-on-failure -j "${SIM_JOBS:-2}" "$@"
