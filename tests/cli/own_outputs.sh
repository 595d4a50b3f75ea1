#!/usr/bin/env bash
# No program replaces one of its own inputs (base/file_identity.hpp): every output flag of every
# program, given a path that is one of that run's inputs — spelled as given, through "./", through
# a symbolic link and through a hard link — exits 2 naming the flag, and every input is
# byte-identical afterwards. Also two outputs that are one file, an existing file inside a dataset
# folder, and the index's own files (its hnswlib file and lock file) as outputs.
# Usage: own_outputs.sh BIN_DIR BAD_DIR   (BAD_DIR from testdata/make_bad_files.py: its good/)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$2/good" "$tmp/g" || exit 1
cd "$tmp/g" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
one=(--threads 1 -q)
cases=0
img="data/images/circle/img000.png"
snapshot() { sha256sum -- *.sim *.h5 *.idx *.hnsw *.lock *.json *.ckpt data/*.* "$img" >../before.sha 2>/dev/null; }
snapshot

# refused PROGRAM ARGS...: exit 2 saying "same file" (or "inside") and nothing changed.
refused() {
  cases=$((cases + 1))
  expect 2 "" "$@"
  grep -qE "is the same file as|is a file inside" err || fail "$(basename "$1") ${*:2}: says: $(head -c 300 err)"
  sha256sum --quiet -c ../before.sha >/dev/null 2>&1 || {
    fail "$(basename "$1") ${*:2} changed an input: $(sha256sum --quiet -c ../before.sha 2>&1 | head -n 3)"
    snapshot
  }
}

# spellings FILE: the file as given, through ./, a symbolic link and a hard link to it.
spellings() {
  local f="$1" tag="${1//\//_}"
  ln -sf "$PWD/$f" "../sym_$tag"
  ln -f "$f" "../hard_$tag" 2>/dev/null || cp "$f" "../hard_$tag"
  echo "$f ./$f ../sym_$tag"
  cmp -s "$f" "../hard_$tag" && [[ $(stat -c %i "$f") == $(stat -c %i "../hard_$tag") ]] && echo "../hard_$tag"
}

# sim-eval: --json onto the index, its hnswlib file, its lock file, the queries, the baseline.
for target in hnsw.idx hnsw.idx.g1.hnsw hnsw.idx.lock embeddings.h5 baseline.json; do
  for path in $(spellings "$target"); do
    refused "$bin/sim-eval" hnsw.idx -i embeddings.h5 --baseline baseline.json --max-drop 1 --json "$path" "${one[@]}"
  done
done
refused "$bin/sim-eval" --reference embeddings_seed2.h5 -i embeddings.h5 --json embeddings_seed2.h5 "${one[@]}"
refused "$bin/sim-eval" hnsw.idx -i embeddings.h5 --report embeddings.h5 "${one[@]}"
refused "$bin/sim-eval" hnsw.idx -i embeddings.h5 --write --json hnsw.idx "${one[@]}"
refused "$bin/sim-eval" hnsw.idx -i hnsw.idx.g1.hnsw --write "${one[@]}"

# sim-query: --grid onto the index, its hnswlib file, the queries, the model, an item.
for target in hnsw.idx hnsw.idx.g1.hnsw embeddings.h5; do
  for path in $(spellings "$target"); do
    refused "$bin/sim-query" hnsw.idx -i embeddings.h5 --grid "$path" "${one[@]}"
  done
done
refused "$bin/sim-query" hnsw.idx -m model_images.sim "$img" --grid model_images.sim "${one[@]}"
refused "$bin/sim-query" hnsw.idx -m model_images.sim "$img" --grid "./$img" "${one[@]}"

# sim-embed: -o onto the model, an input file, a file inside an input folder.
for path in $(spellings model_images.sim); do
  refused "$bin/sim-embed" -m model_images.sim data/images -o "$path" "${one[@]}"
done
refused "$bin/sim-embed" -m model_vectors.sim data/vectors.h5 -o data/vectors.h5 "${one[@]}"
refused "$bin/sim-embed" -m model_images.sim "$img" -o "$img" "${one[@]}"
refused "$bin/sim-embed" -m model_images.sim data/images -o "$img" "${one[@]}"
ln -sfn "$PWD/data/images" ../images_link
refused "$bin/sim-embed" -m model_images.sim ../images_link -o "data/images/square/img000.png" "${one[@]}"

# sim-train: -o (and the checkpoint beside it) onto the dataset or a file inside it.
for path in $(spellings data/vectors.csv); do
  refused "$bin/sim-train" data/vectors.csv -o "$path" --epochs 1 "${one[@]}"
done
refused "$bin/sim-train" data/vectors.h5 -o data/vectors.h5 --epochs 1 "${one[@]}"
refused "$bin/sim-train" data/images -o "$img" --epochs 1 "${one[@]}"
cp data/vectors.csv data.ckpt
snapshot
refused "$bin/sim-train" data.ckpt -o data --epochs 1 "${one[@]}"

# sim-index: -o onto the input; add/-i the index itself or its hnswlib file.
for path in $(spellings embeddings.h5); do
  refused "$bin/sim-index" -i embeddings.h5 -o "$path" "${one[@]}"
done
refused "$bin/sim-index" add hnsw.idx -i hnsw.idx "${one[@]}"
refused "$bin/sim-index" add hnsw.idx -i ./hnsw.idx.g1.hnsw "${one[@]}"

# The checks are by identity, not by name: a different file of the same name elsewhere is fine.
mkdir -p other && cp embeddings.h5 other/
expect 0 "" "$bin/sim-eval" hnsw.idx -i other/embeddings.h5 --json embeddings.json "${one[@]}"
expect 0 "" "$bin/sim-query" hnsw.idx -i embeddings.h5 --grid other/grid.png "${one[@]}"

echo "$cases same-file cases refused"
finish
