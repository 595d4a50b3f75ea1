#!/usr/bin/env bash
# sim-info on every kind of artifact the other programs write or read, good and bad.
# Usage: sim_info.sh TOOLS_DIR MAKE_EMBEDDINGS FIXTURES_DIR
set -u
bin="$1"
make_embeddings="$2"
fx="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
info="$bin/sim-info"

# Good artifacts, made by the real programs.
"$bin/sim-train" "$fx/images" -o m.sim --epochs 1 --threads 1 -q || fail "sim-train"
"$make_embeddings" e.h5 --n 120 --dim 8 --classes a,b,c || fail "make_embeddings"
"$bin/sim-index" -i e.h5 -o e.idx --threads 1 -q || fail "sim-index"
"$bin/sim-index" -i e.h5 -o x.idx --exact -q || fail "sim-index --exact"

expect 0 "artifact: model" "$info" m.sim
grep -qF "input: 1x12x12 image" out || fail "model input shape: $(cat out)"
grep -qF "classes: 3 (circle, square, triangle)" out || fail "model classes: $(cat out)"
expect 0 "artifact: embeddings" "$info" e.h5
grep -qF "count: 120" out || fail "embeddings count: $(cat out)"
expect 0 "artifact: index" "$info" e.idx
grep -qF "type: hnsw" out || fail "index type: $(cat out)"
expect 0 "type: exact" "$info" x.idx
expect 0 "sidecar: e.idx" "$info" e.idx.g1.hnsw
expect 0 "artifact: dataset" "$info" "$fx/images"
grep -qF "split all: 18 items, 3 classes" out || fail "dataset split: $(cat out)"
expect 0 "layout: IDX" "$info" "$fx/idx"
expect 0 "layout: CSV vectors" "$info" "$fx/vectors.csv"
expect 0 "layout: HDF5 vectors" "$info" "$fx/vectors.h5"
expect 0 "artifact: idx" "$info" "$fx/idx/t10k-labels-idx1-ubyte"
expect 0 "artifact: image" "$info" "$(ls "$fx"/images/circle/* | head -n 1)"

# Several files: one block each, in order.
expect 0 "" "$info" m.sim e.h5 e.idx
[[ $(grep -c '^file: ' out) == 3 ]] || fail "three files, three blocks: $(cat out)"

# JSON for scripts: numbers are numbers, provenance an object, history an array.
expect 0 "" "$info" --json e.idx m.sim
python3 - out <<'PY' || fail "--json: $(cat out)"
import json, sys
index, model = [json.loads(line) for line in open(sys.argv[1])]
assert index["valid"] is True and index["artifact"] == "index" and index["count"] == 120, index
assert index["provenance"]["program"] == "sim-index" and isinstance(index["history"], list), index
assert model["artifact"] == "model" and model["dim"] == 64 and model["provenance"]["program"] == "sim-train", model
PY

# A generation the sidecar no longer uses (left by an interrupted write) is told apart.
cp e.idx.g1.hnsw old.hnsw
"$make_embeddings" more.h5 --n 10 --dim 8 --classes d --prefix more || fail "make_embeddings more"
"$bin/sim-index" add e.idx -i more.h5 -q || fail "sim-index add"
mv old.hnsw e.idx.g1.hnsw
expect 1 "e.idx.g1.hnsw: an hnswlib file its index 'e.idx' no longer uses" "$info" e.idx.g1.hnsw
expect 0 "count: 130" "$info" e.idx

# Bad files: exit 1, the file named, every file still checked.
head -c 2000 m.sim >cut.sim
: >empty
head -c 3000 /dev/urandom >noise
mkdir nothing
expect 1 "cut.sim: WGHT: truncated" "$info" cut.sim
expect 1 "empty: empty file" "$info" empty
expect 1 "noise" "$info" noise
expect 1 "nothing: no dataset found" "$info" nothing
expect 1 "cut.png: corrupt or truncated PNG" "$info" "$fx/bad_truncated"
expect 1 "missing.sim: cannot open" "$info" missing.sim
expect 1 "cut.sim" "$info" e.h5 cut.sim e.idx
[[ $(grep -c '^file: ' out) == 2 ]] || fail "the good files around a bad one are still described: $(cat out)"
expect 1 "" "$info" --json cut.sim
python3 -c 'import json,sys; r=json.load(open("out")); assert r["valid"] is False and "truncated" in r["error"], r' ||
  fail "--json of a bad file: $(cat out)"

finish
