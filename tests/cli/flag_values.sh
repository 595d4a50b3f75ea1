#!/usr/bin/env bash
# Every numeric flag of every program refuses what is not a valid value of it — NaN, infinity, a
# negative count (CLI11 would wrap it into 2^64-1, "all"), a number with junk after it, an empty
# value — with exit 2 naming the flag, before any work: never a silent default, never LibTorch's
# exception. Values go as --flag=VALUE ("-inf" alone reads as the option -i). The flags come from
# each program's --help, so a new numeric flag is checked too.
# Usage: flag_values.sh BIN_DIR
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
cases=0

# A command line each program parses without touching a file first (parse errors come first).
declare -A base=(
  [sim-train]="data.csv -o m.sim"
  [sim-embed]="-m m.sim data -o e.h5"
  [sim-index]="-i e.h5 -o x.idx"
  [sim-query]="x.idx -i q.h5"
  [sim-eval]="x.idx -i q.h5"
)
# check_program PROG: every numeric flag of PROG, in a folder of its own (run side by side: most of
# the time is LibTorch loading at each start). Under ASan one bad value per flag.
check_program() {
  local prog="$1" flags flag kind value
  mkdir "$prog" && cd "$prog" || return 1
  # Options whose value is a number: "--name INT", "UINT", "FLOAT" in the help text.
  flags="$("$bin/$prog" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+ (INT|UINT|FLOAT)' | grep -oE -- '--[a-z0-9-]+')"
  [[ -n $flags ]] || fail "$prog --help lists no numeric flag"
  for flag in $flags; do
    kind="$("$bin/$prog" --help | grep -oE -- "$flag (INT|UINT|FLOAT)" | head -n 1 | cut -d' ' -f2)"
    # NaN stands for every value that is not finite (one check, finite_number, refuses them all:
    # tests/unit/cli covers inf, -inf, junk and ""); counts also refuse negative and fractional ones.
    values=(nan)
    [[ $kind != FLOAT && ${SIM_SANITIZED:-0} != 1 ]] && values+=(-1 1.5)
    for value in "${values[@]}"; do
      cases=$((cases + 1))
      # shellcheck disable=SC2086
      expect 2 "$flag" "$bin/$prog" ${base[$prog]} "$flag=$value"
    done
  done
  echo "$prog: $cases flag values refused"
  [[ $failures == 0 ]]
}

# Under ASan the LibTorch programs' ~65 starts took 96 s for checks of the same tools/cli code the
# other three run: there only those three (the normal build runs all five).
programs=(sim-train sim-embed sim-index sim-query sim-eval)
[[ ${SIM_SANITIZED:-0} == 1 ]] && programs=(sim-index sim-query sim-eval)
pids=()
for prog in "${programs[@]}"; do
  check_program "$prog" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || failures=$((failures + 1)); done
finish
