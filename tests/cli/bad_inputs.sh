#!/usr/bin/env bash
# Every program over every broken file that testdata/make_bad_files.py writes, in every argument
# position that takes that kind of file. For each run: exit status exactly 1; stderr names the bad
# file; no signal, abort or uncaught exception; a peak resident size that shows nothing absurd was
# allocated; and nothing written where an output was asked (each output path already holds a good
# file, compared byte for byte afterwards; an index that is both read and written is a copy,
# compared with its original).
# Usage: bad_inputs.sh BIN_DIR BAD_DIR [KINDS]   (BAD_DIR as make_bad_files.py wrote it, with
# manifest.tsv; KINDS, comma-separated, runs only those kinds: ctest runs the kinds in parallel)
# SIM_BAD_INPUTS_ONCE=1 (set by the sanitized build, tests/CMakeLists.txt): each bad file goes
# through its first case only, one reader reading it once under ASan and UBSan; the other
# programs and positions reach the same reader again and are checked by the normal build.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
bad="$(cd "$2" && pwd)"
kinds="${3:-}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"

[[ -f $bad/manifest.tsv ]] || { echo "FAIL: no $bad/manifest.tsv (run make_bad_files.py first)" >&2; exit 1; }
good="$bad/good"
# Far above what these tiny inputs need (LibTorch programs start at ~200 MB), far below what
# trusting an absurd size in a header would take.
max_rss_kib=$((1024 * 1024))
one=(--threads 1)
cases=0
once="${SIM_BAD_INPUTS_ONCE:-0}"
file_cases=0

# Good outputs to pre-fill every output path with, and compare against afterwards.
cp "$good/model_images.sim" ref.sim
cp "$good/embeddings.h5" ref.h5
cp "$good/baseline.json" ref.json

# copy_index SRC DEST: the sidecar and its hnswlib file(s), if any.
copy_index() {
  rm -rf "$2" "$2".g*.hnsw
  cp -r "$1" "$2"
  local f
  for f in "$1".g*.hnsw; do [[ -e $f ]] && cp -r "$f" "$2${f#"$1"}"; done
}

# suffixes FILE: FILE itself and the hnswlib generations beside it, as suffixes of its name.
suffixes() {
  (cd "$(dirname "$1")" && for f in "$(basename "$1")" "$(basename "$1")".g*.hnsw; do
    [[ -e $f ]] && echo "${f#"$(basename "$1")"}"
  done)
}

# same_index FILE REF: FILE and the files beside it (an index's hnswlib files) are REF's, byte for byte.
same_index() {
  [[ $(suffixes "$1") == "$(suffixes "$2")" ]] || return 1
  local f
  for f in "$2" "$2".g*.hnsw; do
    [[ -e $f ]] || continue
    if [[ -d $f ]]; then [[ -d $1${f#"$2"} ]] || return 1; else cmp -s "$f" "$1${f#"$2"}" || return 1; fi
  done
}

# check NAME PROG ARGS...: runs one case and asserts everything above. Before it, the caller sets
#   names   fixed strings of which stderr must contain one (the bad file's path or basename)
#   outputs "FILE:REF" pairs (FILE must be byte-identical to REF afterwards), files or indexes
#   quiet   1 if stdout must stay empty
check() {
  local name="$1" prog="$2"
  shift 2
  if [[ $once == 1 && $file_cases -gt 0 ]]; then return 0; fi
  file_cases=$((file_cases + 1))
  cases=$((cases + 1))
  /usr/bin/time -f %M -o rss "$bin/$prog" "$@" >out 2>err </dev/null
  local status=$?
  local what="$prog $* [$name]"
  if [[ $status != 1 ]]; then
    fail "$what: exited $status, expected 1; stderr: $(tail -n 3 err)"
  fi
  if grep -qE "Segmentation|Aborted|terminate called|core dumped|Command terminated by signal" err rss; then
    fail "$what: crashed: $(grep -hE 'Segmentation|Aborted|terminate|signal' err rss | head -n 2)"
  fi
  local found=0 n
  for n in "${names[@]}"; do grep -qF -- "$n" err && found=1; done
  [[ $found == 1 ]] || fail "$what: stderr does not name the bad file: $(head -c 400 err)"
  local rss
  rss="$(tail -n 1 rss)"
  [[ $rss =~ ^[0-9]+$ && $rss -le $max_rss_kib ]] || fail "$what: peak resident size ${rss} KiB"
  local pair
  for pair in "${outputs[@]}"; do
    same_index "${pair%%:*}" "${pair#*:}" || fail "$what: changed ${pair%%:*}"
  done
  [[ $quiet == 1 && -s out ]] && fail "$what: wrote to stdout: $(head -c 200 out)"
}

# Fresh good outputs before each case that asks for one.
reset_outputs() {
  cp ref.sim out.sim
  cp ref.h5 out.h5
  cp ref.json out.json
  # Index copies keep their name: the sidecar names its hnswlib file.
  mkdir -p out_index grow_index
  copy_index "$good/hnsw.idx" out_index/hnsw.idx
  copy_index "$good/hnsw.idx" grow_index/hnsw.idx
}
file_outputs=(out.sim:ref.sim out.h5:ref.h5 out.json:ref.json "out_index/hnsw.idx:$good/hnsw.idx" "grow_index/hnsw.idx:$good/hnsw.idx")

while IFS=$'\t' read -r rel kind what as_any_kind; do
  [[ $rel == path ]] && continue
  [[ -z $kinds || ",$kinds," == *",$kind,"* ]] || continue
  f="$bad/$rel"
  file_cases=0
  names=("$f" "$(basename "$f")")
  outputs=("${file_outputs[@]}")
  quiet=0
  reset_outputs
  case "$kind" in
    model)
      check "$what" sim-embed -m "$f" "$good/data/images" -o out.h5 "${one[@]}"
      quiet=1
      check "$what" sim-query "$good/hnsw.idx" -m "$f" "$good/data/images/circle/img000.png" "${one[@]}"
      quiet=0
      # --resume reads OUTPUT.ckpt: the bad model as the checkpoint; errors name the checkpoint.
      rm -rf out.sim.ckpt
      cp -r "$f" out.sim.ckpt
      names=(out.sim.ckpt)
      check "$what" sim-train "$good/data/images" -o out.sim --resume --epochs 1 "${one[@]}"
      rm -rf out.sim.ckpt
      names=("$f" "$(basename "$f")")
      [[ $as_any_kind == bad ]] && check "$what" sim-info "$f"
      ;;
    embeddings | mismatch)
      if [[ $kind == embeddings ]]; then
        check "$what" sim-index -i "$f" -o out_index/hnsw.idx "${one[@]}"
        check "$what" sim-eval --reference "$f" -i "$good/embeddings.h5" --json out.json "${one[@]}"
        [[ $as_any_kind == bad ]] && check "$what" sim-info "$f"
      fi
      check "$what" sim-index add grow_index/hnsw.idx -i "$f" "${one[@]}"
      check "$what" sim-eval grow_index/hnsw.idx -i "$f" --write --json out.json "${one[@]}"
      quiet=1
      check "$what" sim-query "$good/hnsw.idx" -i "$f" "${one[@]}"
      ;;
    index)
      check "$what" sim-index info "$f"
      quiet=1
      check "$what" sim-query "$f" -i "$good/embeddings.h5" "${one[@]}"
      quiet=0
      [[ $as_any_kind == bad ]] && check "$what" sim-info "$f"
      # Programs that write the index they read: on a copy, which must stay as it was.
      mkdir -p copy
      copy_index "$f" "copy/$(basename "$f")"
      outputs=("${file_outputs[@]}" "copy/$(basename "$f"):$f")
      check "$what" sim-index add "copy/$(basename "$f")" -i "$good/embeddings.h5" "${one[@]}"
      check "$what" sim-index delete "copy/$(basename "$f")" "$good/data/images/circle/img000.png"
      check "$what" sim-eval "copy/$(basename "$f")" -i "$good/embeddings.h5" --write --json out.json "${one[@]}"
      rm -rf copy
      ;;
    json)
      check "$what" sim-eval "$good/hnsw.idx" -i "$good/embeddings.h5" --baseline "$f" --json out.json "${one[@]}"
      ;;
    images | idx | csv | vectors)
      model="$good/model_images.sim" index="$good/hnsw.idx"
      if [[ $kind == csv || $kind == vectors ]]; then model="$good/model_vectors.sim" index="$good/vectors.idx"; fi
      check "$what" sim-train "$f" -o out.sim --epochs 1 "${one[@]}"
      check "$what" sim-embed -m "$model" "$f" -o out.h5 "${one[@]}"
      quiet=1
      check "$what" sim-query "$index" -m "$model" "$f" "${one[@]}"
      ;;
    *) fail "manifest: unknown kind '$kind' for $rel" ;;
  esac
done <"$bad/manifest.tsv"

echo "$cases cases run${kinds:+ (kinds $kinds)}$([[ $once == 1 ]] && echo ", one per file") over $(($(wc -l <"$bad/manifest.tsv") - 1)) bad files"
minimum=30
[[ $once == 1 ]] && minimum=10  # the model kind alone has 16 bad files
[[ $cases -gt $minimum ]] || fail "only $cases cases ran"
finish
