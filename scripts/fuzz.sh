#!/usr/bin/env bash
# Fuzzes every file reader for a while (README, "Hardening"): builds the libFuzzer harnesses
# (-DSIM_FUZZ=ON, clang, no LibTorch) in build-fuzz, writes their seeds, then runs each harness in
# turn for SECONDS (default 120) and prints, per harness, the executions, coverage, corpus size and
# findings. Corpora are kept in build-fuzz/fuzz/corpus between runs (later runs start where earlier
# ones stopped); findings go to build-fuzz/fuzz/artifacts/<harness>/ (crash-*, leak-*, oom-*,
# timeout-*): reproduce one with  build-fuzz/tests/fuzz/fuzz_<harness> FILE.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     e.g.  scripts/fuzz.sh 600 idx image
#
# One harness at a time, one process each (-fork=1, going on after a finding), so the run uses one
# core. Exit status 1 if anything was found. Environment: SIM_FUZZ_BUILD_DIR, SIM_JOBS (default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=suites.sh
source "$root/scripts/suites.sh"
build="$(suite_dir fuzz)"
seconds="${1:-120}"
shift $(( $# > 0 ? 1 : 0 ))

"$root/scripts/setup.sh" --fuzz --no-build
suite_build fuzz >/dev/null
work="$build/fuzz"
mkdir -p "$work"
"$build/tests/fuzz/make_fuzz_seeds" "$work/seeds" 2>/dev/null

harnesses=("$@")
if [[ ${#harnesses[@]} == 0 ]]; then
  for exe in "$build"/tests/fuzz/fuzz_*; do harnesses+=("${exe##*/fuzz_}"); done
fi

found=0
printf '%-16s %10s %8s %8s %7s %9s  %s\n' harness executions exec/s coverage corpus findings artifacts
for h in "${harnesses[@]}"; do
  corpus="$work/corpus/$h" artifacts="$work/artifacts/$h" log="$work/logs/$h.log"
  mkdir -p "$corpus" "$artifacts" "$work/logs"
  before=$(find "$artifacts" -type f | wc -l)
  # -fork=1 with -ignore_*: a finding is saved and the run goes on, so one known library crash
  # does not hide the rest of the run.
  (cd "$artifacts" && bash "$root/tests/fuzz/run_harness.sh" "$build/tests/fuzz/fuzz_$h" "$work/seeds/$h" "$corpus" \
     -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 -max_total_time="$seconds" \
     -artifact_prefix="$artifacts/") >"$log" 2>&1 || true
  # Fork mode's progress lines: "#EXECS: cov: C ft: F corp: N exec/s R oom/timeout/crash: O/T/C time: S ..."
  stats=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$stats")
  cov=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$stats")
  corp=$(sed -E 's/.* corp: ([0-9]+).*/\1/' <<<"$stats")
  rate=$(sed -E 's/.* exec\/s:? ([0-9]+).*/\1/' <<<"$stats")
  new=$(( $(find "$artifacts" -type f | wc -l) - before ))
  if (( new > 0 )); then found=1; fi
  printf '%-16s %10s %8s %8s %7s %9s  %s\n' "$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$new" \
    "$(cd "$artifacts" && ls | sed -E 's/-[0-9a-f]+$//' | sort | uniq -c | awk '{printf "%s%s:%s", sep, $2, $1; sep=" "}')"
done
echo "logs: $work/logs/   artifacts: $work/artifacts/" >&2
exit $found
