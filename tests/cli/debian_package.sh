#!/usr/bin/env bash
# The Debian package, as a user gets it: CPack builds it from this build tree; its Depends are
# runtime packages only (LibTorch, HDF5, ... and never a -dev package); unpacked into a temporary
# root, its programs run from there (the plugins found in lib/sim, not in the build tree): a model
# is trained and embeds, an index is built, queried and evaluated; the man pages are in place; and
# the bash completion it installs completes every program's options, sim-index's subcommands and
# an option's choices.
# Usage: debian_package.sh BUILD_DIR FIXTURES_DIR
set -u
build="$(cd "$1" && pwd)"
fx="$(cd "$2" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"

cpack --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >cpack.log 2>&1 || { fail "cpack: $(tail -n 5 cpack.log)"; finish; }
deb="$(ls "$tmp"/pkg/sim_*_amd64.deb 2>/dev/null | head -n 1)"
[[ -f $deb ]] || { fail "no package in $tmp/pkg: $(ls "$tmp/pkg")"; finish; }
depends="$(dpkg-deb -f "$deb" Depends)"
for needed in libtorch libhdf5 libspdlog libstb; do
  grep -q "$needed" <<<"$depends" || fail "Depends lacks $needed: $depends"
done
grep -q -- "-dev" <<<"$depends" && fail "Depends names a -dev package: $depends"

dpkg-deb -x "$deb" root || fail "dpkg-deb -x"
usr="$tmp/root/usr"
for page in man1/sim-train.1 man1/sim-embed.1 man1/sim-index.1 man1/sim-query.1 man1/sim-eval.1 man1/sim-info.1 \
  man5/sim-formats.5; do
  [[ -f $usr/share/man/$page ]] || fail "man page $page not in the package"
done
ls "$usr/bin" | grep -v '^sim-' && fail "bin/ holds more than the programs"

# Nothing of the build tree may be reached: the run paths and the plugin loader use the package's.
for program in "$usr"/bin/sim-*; do
  readelf -d "$program" | grep -q "$build" && fail "$(basename "$program") has a run path into the build tree"
done
expect 0 "LibTorch 1." "$usr/bin/sim-info" --version
expect 0 "" "$usr/bin/sim-train" "$fx/images" -o m.sim --epochs 1 --threads 2 --seed 1
expect 0 "" "$usr/bin/sim-embed" -m m.sim "$fx/images" -o e.h5
expect 0 "" "$usr/bin/sim-index" -i e.h5 -o e.idx
expect 0 "circle" "$usr/bin/sim-query" e.idx -i e.h5 -k 2
expect 0 "precision@1" "$usr/bin/sim-eval" e.idx -i e.h5
expect 0 "classes: 3 (circle, square, triangle)" "$usr/bin/sim-info" m.sim

# Bash completion from the package, over the package's programs.
completions="$usr/share/bash-completion/completions"
for program in sim-train sim-embed sim-index sim-query sim-eval sim-info; do
  [[ -f $completions/$program ]] || fail "no bash completion for $program"
done
PATH="$usr/bin:$PATH" bash -c '
source "$1/sim-train"
failures=0
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _sim
  printf "%s\n" "${COMPREPLY[@]}"
}
check() {  # check WANT WORDS...: WANT (a word) is among the completions of WORDS
  local want="$1"
  shift
  complete_words "$@" | grep -qxF -- "$want" || { echo "FAIL: completing [$*] does not offer $want" >&2; failures=$((failures + 1)); }
}
# Every option of every program, as its --help lists them.
for program in sim-train sim-embed sim-index sim-query sim-eval sim-info; do
  for option in $("$program" --help | sed -n "/^Options:/,/^[^ ]/p" | grep -oE "^ +-[^ ]+" | tr "," " "); do
    check "$option" "$program" "${option:0:2}"
  done
done
for sub in add delete info merge; do check "$sub" sim-index ""; done
check --labels sim-index add --
check --threads sim-index merge --
check triplet sim-train --loss ""
check npy sim-embed --format ""
check centroid sim-query x.idx --match ""
exit $((failures > 0))
' _ "$completions" || fail "bash completion"
finish
