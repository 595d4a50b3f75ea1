#!/usr/bin/env bash
# Real training, embedding and querying through the programs, on tiny generated fixtures: a model
# is trained, embeds a dataset (identically twice), feeds an index through a pipe, and answers a
# raw-image query; every bad input exits with its documented status, names the file, and leaves a
# previous good model in place.
# Usage: sim_train_embed.sh BIN_DIR FIXTURES_DIR
set -u
bin="$1"
fx="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect STATUS PATTERN PROGRAM ARGS...: the exit status, and PATTERN in stderr (failures) or stdout.
expect() {
  local want="$1" pattern="$2" prog="$3"
  shift 3
  "$bin/$prog" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local status=$?
  if [[ $status != "$want" ]]; then
    fail "$prog $* exited $status, expected $want; stderr: $(tail -n 3 "$tmp/err")"
    return
  fi
  local where="$tmp/out"
  [[ $want != 0 ]] && where="$tmp/err"
  [[ -z $pattern ]] || grep -q -- "$pattern" "$where" || fail "$prog $*: no '$pattern' in: $(head -c 600 "$where")"
}

fast=(--epochs 2 --threads 2 --seed 1)
expect 0 "" sim-train "$fx/images" -o "$tmp/m.sim" "${fast[@]}"
[[ -f $tmp/m.sim ]] || fail "no model written"
[[ -e $tmp/m.sim.ckpt ]] && fail "the checkpoint outlived a finished run"
grep -q "validation precision@1" "$tmp/err" || fail "no validation figures logged"
cp "$tmp/m.sim" "$tmp/good.sim"

# --seed makes a single-threaded run repeatable: the same weights (fingerprint) and embeddings.
expect 0 "" sim-train "$fx/images" -o "$tmp/s1.sim" --epochs 3 --threads 1 --seed 5 --aug-flip --aug-pad 1
expect 0 "" sim-train "$fx/images" -o "$tmp/s2.sim" --epochs 3 --threads 1 --seed 5 --aug-flip --aug-pad 1
for s in s1 s2; do
  "$bin/sim-embed" -m "$tmp/$s.sim" "$fx/images" -o "$tmp/$s.h5" --no-provenance --threads 1 2>/dev/null ||
    fail "embedding with $s.sim failed"
done
cmp -s "$tmp/s1.h5" "$tmp/s2.h5" || fail "two single-threaded runs with one seed trained different models"
expect 0 "" sim-train "$fx/images" -o "$tmp/s3.sim" --epochs 3 --threads 1 --seed 6 --aug-flip --aug-pad 1
"$bin/sim-embed" -m "$tmp/s3.sim" "$fx/images" -o "$tmp/s3.h5" --no-provenance --threads 1 2>/dev/null
cmp -s "$tmp/s1.h5" "$tmp/s3.h5" && fail "another seed trained the same model"

# Killed mid-run (SIGKILL once a checkpoint exists), then --resume continues from it.
"$bin/sim-train" "$fx/images" -o "$tmp/r.sim" --epochs 300 --threads 1 --seed 1 >/dev/null 2>"$tmp/err" &
pid=$!
for _ in $(seq 200); do
  [[ -f $tmp/r.sim.ckpt ]] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [[ -f $tmp/r.sim.ckpt && ! -e $tmp/r.sim ]]; then
  # Settings that shape the optimiser's state must be the checkpoint's: said by flag (exit 2).
  resume=(sim-train "$fx/images" -o "$tmp/r.sim" --epochs 300 --threads 1 --seed 1 --resume)
  expect 2 "--loss: is triplet, but $tmp/r.sim.ckpt was trained with multi_similarity" "${resume[@]}" --loss triplet
  expect 2 "--optimizer: is sgd, but" "${resume[@]}" --optimizer sgd
  expect 2 "holds optimiser state of other shapes" "${resume[@]}" --projector 8
  grep -q "INTERNAL ASSERT" "$tmp/err" && fail "--resume with other settings shows LibTorch internals"
  expect 0 "" sim-train "$fx/images" -o "$tmp/r.sim" --epochs 300 --threads 1 --seed 1 --resume
  grep -q "resuming from $tmp/r.sim.ckpt at step [1-9]" "$tmp/err" || fail "no resume: $(head -n 8 "$tmp/err")"
  [[ -f $tmp/r.sim && ! -e $tmp/r.sim.ckpt ]] || fail "the resumed run did not finish cleanly"
else
  fail "no checkpoint appeared before the kill (or the run finished first)"
fi

# Bad training input: clear errors, nothing overwritten.
expect 2 "--dim" sim-train "$fx/images" -o "$tmp/m.sim" --dim 0
expect 2 "--loss" sim-train "$fx/images" -o "$tmp/m.sim" --loss nonsense
expect 2 "--distance" sim-train "$fx/images" -o "$tmp/m.sim" --loss circle --distance euclidean
expect 1 "no checkpoint" sim-train "$fx/images" -o "$tmp/m.sim" --resume
expect 1 "at least 2 classes" sim-train "$fx/images" -o "$tmp/m.sim" --holdout-classes circle,square "${fast[@]}"
expect 1 "became" sim-train "$fx/images" -o "$tmp/m.sim" --optimizer sgd --lr 1e30 "${fast[@]}"
cmp -s "$tmp/m.sim" "$tmp/good.sim" || fail "a failed run changed the existing model"

# Embedding: HDF5, identical bytes without provenance, text formats, paths on stdin.
# Identical bytes for the same --threads. Across thread counts LibTorch's CPU kernels may round the
# last bit differently (PyTorch does the same on AMD EPYC: 1.5e-7 between 1 and 2 threads), so
# there the values must agree to 1e-5.
expect 0 "" sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/e1.h5" --no-provenance --threads 2
expect 0 "" sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/e2.h5" --no-provenance --threads 2
cmp -s "$tmp/e1.h5" "$tmp/e2.h5" || fail "the same input embedded twice differs"
expect 0 "" sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/e3.h5" --no-provenance --threads 1
if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
  /usr/bin/python3 -c '
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["embeddings"][()] for p in sys.argv[1:])
sys.exit(0 if np.abs(a - b).max() < 1e-5 else 1)' "$tmp/e1.h5" "$tmp/e3.h5" || fail "1 and 2 threads embed differently"
fi
# The file opens in h5py (Debian's python3-h5py, installed by scripts/setup.sh) with the documented layout.
if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
  /usr/bin/python3 - "$tmp/e1.h5" <<'PY' || fail "h5py does not see the documented layout"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
n, d = f["embeddings"].shape
assert f["embeddings"].dtype == "float32" and d == 64 and n == 18, (n, d)
assert f["labels"].dtype == "int64" and f["labels"].shape == (n,)
assert f["ids"].shape == (n,) and f["ids"][0].decode().endswith(".png")
assert [c.decode() for c in f["classes"][:]] == ["circle", "square", "triangle"]
assert f.attrs["format"] == "sim-embeddings" and f.attrs["version"] == 1 and f.attrs["count"] == n
assert f.attrs["distance"] == "cosine" and len(f.attrs["model_fingerprint"]) == 16
assert "provenance" not in f.attrs
PY
fi
expect 0 $'^id\tlabel\tclass\te0\te1' sim-embed -m "$tmp/m.sim" "$fx/images" -o - --format tsv
[[ $(wc -l <"$tmp/out") == 19 ]] || fail "tsv: expected a header and 18 rows, got $(wc -l <"$tmp/out") lines"
expect 0 '"class": "circle", "embedding": \[' sim-embed -m "$tmp/m.sim" "$fx/images" -o - --format jsonl
# --class-names: a model trained with names gives them to the numbered classes it embeds.
printf '%s\n' zero one two three four >"$tmp/names.txt"
expect 0 "" sim-train "$fx/idx" -o "$tmp/named.sim" "${fast[@]}" --class-names "$tmp/names.txt"
expect 0 "classes: 5 (zero, one, two, three, four)" sim-info "$tmp/named.sim"
expect 0 $'\tthree\t' sim-embed -m "$tmp/named.sim" "$fx/idx" --split test -o - --format tsv
printf '%s\n' a b c d e >"$tmp/letters.txt"
expect 0 $'\td\t' sim-embed -m "$tmp/named.sim" "$fx/idx" --split test -o - --format tsv --class-names "$tmp/letters.txt"
# --format npy: numpy.load reads the matrix and its side files, and they index and query exactly as
# the HDF5 file does (the side files picked up by name: labels with class names, ids).
expect 0 "" sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/e.npy" --format npy
expect 0 "" sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/e.h5"
/usr/bin/python3 - "$tmp" <<'PY' || fail "--format npy: numpy disagrees with the HDF5 file"
import sys, h5py, numpy as np
t = sys.argv[1]
x, y = np.load(t + "/e.npy"), np.load(t + "/e.labels.npy")
f = h5py.File(t + "/e.h5", "r")
assert x.dtype == np.float32 and np.array_equal(x, f["embeddings"][:]), x.shape
assert y.dtype == np.int64 and np.array_equal(y, f["labels"][:])
assert open(t + "/e.classes.txt").read().split("\n") == ["circle", "square", "triangle", ""]
assert open(t + "/e.ids.txt").read().split("\n")[:-1] == [i.decode() for i in f["ids"][:]]
PY
expect 0 "" sim-index -i "$tmp/e.h5" -o "$tmp/h5.idx" --exact
expect 0 "" sim-index -i "$tmp/e.npy" -o "$tmp/npy.idx" --exact
grep -q "3 classes (labels from $tmp/e.labels.npy), ids from $tmp/e.ids.txt" "$tmp/err" ||
  fail "sim-index did not pick up e.npy's side files: $(cat "$tmp/err")"
expect 0 "" sim-query "$tmp/h5.idx" -i "$tmp/e.h5" -k 3 --match nearest
mv "$tmp/out" "$tmp/h5.tsv"
expect 0 "" sim-query "$tmp/npy.idx" -i "$tmp/e.npy" -k 3 --match nearest
cmp -s "$tmp/out" "$tmp/h5.tsv" || fail "--format npy: queries answer differently from the HDF5 file's"
expect 2 "--format npy writes a file" sim-embed -m "$tmp/m.sim" "$fx/images" -o - --format npy
ls "$fx"/images/square/*.png | "$bin/sim-embed" -m "$tmp/m.sim" - -o - --format tsv >"$tmp/out" 2>"$tmp/err"
[[ $? == 0 && $(wc -l <"$tmp/out") == 7 ]] || fail "paths on stdin: $(cat "$tmp/err")"

# Pipe into an index, then query it with a raw image through the model.
"$bin/sim-embed" -m "$tmp/m.sim" "$fx/images" -o - 2>"$tmp/err" | "$bin/sim-index" -i - -o "$tmp/i.idx" 2>>"$tmp/err"
[[ ${PIPESTATUS[0]} == 0 && ${PIPESTATUS[1]} == 0 ]] || fail "sim-embed | sim-index: $(cat "$tmp/err")"
query="$fx/images/triangle/img003.png"
expect 0 "$query" sim-query "$tmp/i.idx" -m "$tmp/m.sim" "$query" -k 3
[[ $(sed -n 2p "$tmp/out" | cut -f3) == "$query" ]] || fail "a raw query's nearest neighbour is not itself: $(cat "$tmp/out")"
# -m runs sim-embed (sim-query never loads LibTorch) and hands it the input options and stdin.
ldd "$bin/sim-query" | grep -q libtorch && fail "sim-query links LibTorch: -m is meant to run sim-embed"
expect 0 "square/img005.png" sim-query "$tmp/i.idx" -m "$tmp/m.sim" "$fx/images" --classes square -k 1
[[ $(cut -f1 "$tmp/out" | grep -c /) == 6 && $(cut -f1 "$tmp/out" | grep -vc square/) == 1 ]] ||
  fail "-m with --classes square: expected the 6 squares as queries: $(cat "$tmp/out")"
ls "$fx"/images/circle/*.png | "$bin/sim-query" "$tmp/i.idx" -m "$tmp/m.sim" - -k 1 >"$tmp/out" 2>"$tmp/err"
[[ $? == 0 && $(wc -l <"$tmp/out") == 7 ]] || fail "-m with paths on stdin: $(cat "$tmp/out" "$tmp/err")"
expect 2 "--split" sim-query "$tmp/i.idx" -m "$tmp/m.sim" "$fx/images" --split nosuch
expect 1 "missing.sim: cannot open" sim-query "$tmp/i.idx" -m "$tmp/missing.sim" "$query"

# --shard: parts of whole batches, so that the parts, one after another, are the whole run's
# embeddings to the bit; under a launcher (hand-set RANK/WORLD_SIZE) each rank takes its own part.
"$bin/sim-embed" -m "$tmp/m.sim" "$fx/images" -o "$tmp/whole.h5" --batch-size 4 --no-provenance -q ||
  fail "sim-embed of the whole dataset"
for part in 0 1 2; do
  expect 0 "" sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/part-{shard}.h5" --shard $part/3 --batch-size 4
done
env RANK=1 WORLD_SIZE=3 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 "$bin/sim-embed" -m "$tmp/m.sim" "$fx/images" \
  -o "$tmp/rank-{shard}.h5" --batch-size 4 -q || fail "sim-embed under a launcher's RANK/WORLD_SIZE"
if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  /usr/bin/python3 - "$tmp" <<'PY' || fail "the parts of sim-embed --shard are not the whole run's embeddings"
import sys, h5py, numpy as np
t = sys.argv[1]
whole = h5py.File(f"{t}/whole.h5")
parts = [h5py.File(f"{t}/part-{i}.h5") for i in range(3)]
assert [len(p["ids"]) for p in parts] == [8, 8, 2], [len(p["ids"]) for p in parts]  # 5 batches: 2, 2, 1
assert (np.concatenate([p["embeddings"][:] for p in parts]) == whole["embeddings"][:]).all()
assert [x for p in parts for x in p["ids"][:]] == list(whole["ids"][:])
assert (h5py.File(f"{t}/rank-1.h5")["embeddings"][:] == parts[1]["embeddings"][:]).all()
PY
fi
RANK=1 WORLD_SIZE=3 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 "$bin/sim-embed" -m "$tmp/m.sim" "$fx/images" \
  -o "$tmp/refused.h5" 2>"$tmp/err"
[[ $? == 2 ]] && grep -qF "put {shard} in the file name" "$tmp/err" ||
  fail "a rank's part written to one shared file name was not refused: $(cat "$tmp/err")"
expect 2 "--shard: '3/3' is not a part" sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/refused.h5" --shard 3/3
expect 2 "holds no items" sim-embed -m "$tmp/m.sim" "$fx/images/circle/img000.png" -o "$tmp/refused.h5" --shard 1/2
# 18 items, one batch of 256: the message names the cause and the batch size that would work.
expect 2 "18 items fill fewer batches of 256 than there are parts; give --batch-size 9 or less" \
  sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/refused.h5" --shard 1/2
expect 0 "" sim-embed -m "$tmp/m.sim" "$fx/images" -o "$tmp/nine-{shard}.h5" --shard 1/2 --batch-size 9
[[ -e $tmp/refused.h5 ]] && fail "a refused --shard wrote $tmp/refused.h5"

# Bad embedding input.
expect 1 "missing.sim: cannot open" sim-embed -m "$tmp/missing.sim" "$fx/images" -o "$tmp/x.h5"
head -c 3000 "$tmp/m.sim" >"$tmp/cut.sim"
expect 1 "cut.sim" sim-embed -m "$tmp/cut.sim" "$fx/images" -o "$tmp/x.h5"
expect 1 "bad_truncated/circle/cut.png" sim-embed -m "$tmp/m.sim" "$fx/bad_truncated" -o "$tmp/x.h5"
expect 0 "" sim-embed -m "$tmp/m.sim" "$fx/bad_truncated" -o "$tmp/x.h5" --skip-bad
expect 2 "--split" sim-embed -m "$tmp/m.sim" "$fx/images" --split nosuch -o "$tmp/x.h5"
[[ -e $tmp/x.h5 ]] && [[ $(stat -c %s "$tmp/x.h5") -gt 0 ]] || fail "--skip-bad wrote no embeddings"
expect 0 "" sim-train "$fx/vectors.h5" -o "$tmp/v.sim" "${fast[@]}"
expect 2 "reads vectors" sim-embed -m "$tmp/v.sim" "$fx/images/circle/img000.png" -o "$tmp/y.h5"
expect 2 "holds vectors but the model reads images" sim-embed -m "$tmp/m.sim" "$fx/vectors.h5" -o "$tmp/y.h5"

# A closed stdout is an error (exit 1), never a signal or a crash.
"$bin/sim-embed" -m "$tmp/m.sim" "$fx/images" -o - --format tsv 2>"$tmp/err" | head -c 10 >/dev/null
status=${PIPESTATUS[0]}
[[ $status == 1 || $status == 0 ]] || fail "sim-embed into a closed pipe exited $status: $(cat "$tmp/err")"

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "ok: sim-train, sim-embed, sim-query -m"
