#!/usr/bin/env bash
# A program killed with SIGKILL at any point while it writes an artifact leaves the previous good
# artifact where it was: byte-identical, or (when the kill came after the final rename) the new
# one, complete and loadable. Checked for a model (sim-train), an index (sim-index build and
# sim-index add) and embeddings (sim-embed), each killed many times after seeded delays spread over
# the start, the middle and the final write of one timed full run. Hidden ".NAME.tmp.XXXXXX"
# temporaries (and an unreferenced INDEX.gN.hnsw) are allowed by design (base/atomic_file.hpp,
# search/index_file.hpp); how many were left is reported.
# Usage: kill_writes.sh BIN_DIR BAD_DIR [KILLS]   (BAD_DIR from testdata/make_bad_files.py: its good/)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
good="$(cd "$2" && pwd)/good"
kills="${3:-20}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
one=(--threads 1 -q)
strays=0

# Inputs large enough that writing the output takes measurable time (a few MB each).
/usr/bin/python3 "$here/write_embeddings.py" 3 16 base.h5:30000:b more.h5:10000:m ||
  { echo "FAIL: could not write the inputs" >&2; exit 1; }
/usr/bin/python3 - <<'EOF' || { echo "FAIL: could not write the inputs" >&2; exit 1; }
import h5py, numpy as np
rng = np.random.default_rng(4)
with h5py.File("vectors.h5", "w") as f:
    f["features"] = rng.normal(size=(40000, 8)).astype(np.float32)
    f["labels"] = (np.arange(40000) % 3).astype(np.int64)
EOF
# (--target-recall 0: tuning ef on so weak a graph takes 30 times the build, and is not what is
# tested here.)
fast_index=(--M 4 --ef-construction 8 --target-recall 0)

# delays SECONDS: $kills seeded delays, a third in each of the start (0-30% of the run) and the
# middle (30-90%); the last third, "wS", are S seconds (0-0.04) after the output's temporary
# file appears: kills while the output is being written, however long the run before it took.
delays() {
  awk -v t="$1" -v n="$kills" 'BEGIN { srand(20261129); for (i = 0; i < n; i++) {
    p = i % 3; r = rand()
    if (p == 2) printf "w%.3f\n", 0.04 * r; else printf "%.3f\n", t * (p == 0 ? 0.3 * r : 0.3 + 0.6 * r) } }'
}

# wait_for_temporary DIR NAME: until a hidden ".NAME*.tmp.*" appears in DIR (at most ~10 s).
wait_for_temporary() {
  local i
  for ((i = 0; i < 2000; i++)); do
    compgen -G "$1/.$2*.tmp.*" >/dev/null && return 0
    sleep 0.005
  done
}

# timed COMMAND...: runs it to completion (it must succeed); sets $duration, in seconds.
timed() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>err </dev/null || fail "the untimed run failed: $* : $(tail -n 3 err)"
  end=$(date +%s.%N)
  duration="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')"
}

# count_strays DIR NAME: removes and counts leftovers of interrupted writes of NAME in DIR.
count_strays() {
  local f
  for f in "$1"/."$2"*.tmp.*; do
    [[ -e $f ]] || continue
    strays=$((strays + 1))
    rm -f "$f"
  done
}

# kill_loop LABEL TARGET RESTORE CHECK_SAME CHECK_LOADS -- COMMAND...
#   RESTORE puts the previous good artifact at TARGET; CHECK_SAME succeeds if it is still there,
#   byte for byte; CHECK_LOADS succeeds if TARGET is a complete artifact the programs load.
kill_loop() {
  local label="$1" target="$2" restore="$3" same="$4" loads="$5"
  shift 6
  $restore
  timed "$@"
  local t="$duration"
  $loads || fail "$label: the completed run's output does not load"
  local before=$strays killed=0 finished=0 d pid status
  for d in $(delays "$t"); do
    $restore
    "$@" >/dev/null 2>/dev/null </dev/null &
    pid=$!
    if [[ $d == w* ]]; then
      wait_for_temporary "$(dirname "$target")" "$(basename "$target")"
      sleep "${d#w}"
    else
      sleep "$d"
    fi
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null # (bash's "Killed" notice)
    status=$?
    if [[ $status == 137 ]]; then killed=$((killed + 1)); else finished=$((finished + 1)); fi
    count_strays "$(dirname "$target")" "$(basename "$target")"
    if ! $same; then
      # Not the old artifact: then the new one, whole (the kill came after the rename).
      $loads || fail "$label: killed after ${d}s (status $status): $target is neither the old artifact nor a loadable new one"
    fi
  done
  # The bytes kept are those of a file the programs load.
  $restore
  $loads || fail "$label: the previous artifact itself does not load"
  echo "$label: run ${t}s; $killed killed, $finished finished first; $((strays - before)) temporaries left"
}

# --- sim-index build and add: the previous index (sidecar + its hnswlib file) survives -----------
# The reference is built under the same name in ref/: a sidecar names its hnswlib file.
mkdir ref
"$bin/sim-index" -i base.h5 -o ref/out.idx "${one[@]}" "${fast_index[@]}" || fail "building ref/out.idx"
restore_index() {
  rm -rf out.idx out.idx.g*.hnsw
  cp ref/out.idx ref/out.idx.g1.hnsw .
}
same_index() { cmp -s out.idx ref/out.idx && cmp -s out.idx.g1.hnsw ref/out.idx.g1.hnsw; }
index_loads() {
  # The index's own check, then whatever hnswlib files are not the sidecar's: allowed strays.
  "$bin/sim-index" info out.idx >info.out 2>err || return 1
  local named f
  named="$(sed -n 's/^hnswlib file: //p' info.out)"
  for f in out.idx.g*.hnsw; do
    [[ -e $f && $(basename "$f") != "$named" ]] && { strays=$((strays + 1)); rm -f "$f"; }
  done
  return 0
}
stray_hnsw() { # an unreferenced generation left beside a sidecar that was not replaced
  if same_index; then
    local f
    for f in out.idx.g*.hnsw; do [[ $f != out.idx.g1.hnsw && -e $f ]] && { strays=$((strays + 1)); rm -f "$f"; }; done
  fi
  return 0
}
same_index_and_strays() { same_index && stray_hnsw; }
kill_loop "sim-index build" out.idx restore_index same_index_and_strays index_loads -- \
  "$bin/sim-index" -i base.h5 -o out.idx "${one[@]}" "${fast_index[@]}"
kill_loop "sim-index add" out.idx restore_index same_index_and_strays index_loads -- \
  "$bin/sim-index" add out.idx -i more.h5 "${one[@]}"

# --- sim-embed: the previous embeddings survive ---------------------------------------------------
cp "$good/embeddings.h5" ref.h5
restore_h5() { cp ref.h5 out.h5; }
same_h5() { cmp -s out.h5 ref.h5; }
h5_loads() { "$bin/sim-index" -i out.h5 -o check.idx --exact "${one[@]}" 2>err; }
kill_loop "sim-embed" out.h5 restore_h5 same_h5 h5_loads -- \
  "$bin/sim-embed" -m "$good/model_vectors.sim" vectors.h5 -o out.h5 "${one[@]}"

# --- sim-train: the previous model survives -------------------------------------------------------
# A wide embedding head makes the model file ~18 MB, so its write is a visible part of the run.
cp "$good/model_images.sim" ref.sim
restore_model() { rm -f out.sim.ckpt; cp ref.sim out.sim; }
same_model() { cmp -s out.sim ref.sim; }
model_loads() { "$bin/sim-embed" -m out.sim "$good/data/images" -o check.h5 "${one[@]}" 2>err; }
kill_loop "sim-train" out.sim restore_model same_model model_loads -- \
  "$bin/sim-train" "$good/data/images" -o out.sim --epochs 1 --dim 16384 --seed 1 "${one[@]}"

echo "stray temporaries left in all: $strays"
finish
