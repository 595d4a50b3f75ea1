#!/usr/bin/env bash
# The main job, shortened, on real data: scripts/fashion-mnist.sh's steps on a subset of
# Fashion-MNIST (the first 300 training images of each class, one epoch; the first 100 test images
# of each class as queries). Every program runs in it (sim-info over the three artifacts), so it is
# also the quick loop's smoke run (scripts/test.sh --quick). Asserts that the trained model beats raw-pixel nearest neighbour on the
# same items (precision@1 and MAP@R), both scored by sim-eval (the pixels written as an embeddings file from h5py), and
# that the report and the calibrated index come out whole.
# Usage: fashion_pipeline.sh BIN_DIR FASHION_MNIST_DIR
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(cd "$1" && pwd)"
data="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
py=/usr/bin/python3
[[ -f $data/train-images-idx3-ubyte.gz ]] || { echo "FAIL: no Fashion-MNIST in $data" >&2; exit 1; }

# One thread each: ctest runs tests side by side on two cores.
one=(--threads 1 -q)
# Batches of 10 classes x 4 examples: 75 steps in the one epoch (single-threaded runs repeat exactly,
# so the figures below are the same on every run of one build).
expect 0 "" "$bin/sim-train" "$data" -o fm.sim --per-class 300 --epochs 1 --examples-per-class 4 --val-split 0 \
  "${one[@]}"
expect 0 "" "$bin/sim-embed" -m fm.sim "$data" --split train --per-class 300 -o train.h5 "${one[@]}"
expect 0 "" "$bin/sim-embed" -m fm.sim "$data" --split test --per-class 100 -o test.h5 "${one[@]}"
expect 0 "" "$bin/sim-index" -i train.h5 -o fm.idx --store-data "${one[@]}"
expect 0 "query	rank	id	label	distance" "$bin/sim-query" fm.idx -i test.h5 -k 5 "${one[@]}"
[[ $(wc -l <out) == 5001 ]] || fail "sim-query: expected a header and 5 rows for each of 1000 queries, got $(wc -l <out) lines"
expect 0 "precision@1" "$bin/sim-eval" fm.idx -i test.h5 --target-precision 0.9 --write --json model.json \
  --report report "${one[@]}"
expect 0 "" "$bin/sim-query" fm.idx -i test.h5 -k 1 --match nearest "${one[@]}"
head -n 1 out | grep -qF "match" || fail "sim-query --match after calibration: no match column"
# sim-info over the three artifacts: the model's self-test passes, the index carries its calibration.
expect 0 "self-test: passed" "$bin/sim-info" fm.sim fm.idx train.h5
[[ $(grep -c "^artifact: " out) == 3 ]] || fail "sim-info: expected three artifacts: $(grep "^artifact" out)"
grep -q "^calibration: .*0\.9" out || fail "sim-info does not show the index's calibration: $(grep -i calib out)"

# Raw pixels of the very same items (ids are "FILE#ROW"), as an embeddings file, scored by sim-eval.
$py - "$data" train.h5 test.h5 <<'PY' || fail "could not write the raw-pixel embeddings"
import gzip, sys
import h5py
import numpy as np
data, *files = sys.argv[1:]

def idx(path):
    raw = gzip.open(path).read()
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * raw[3]).reshape(dims)

for name in files:
    e = h5py.File(name, "r")
    ids = [i.decode() for i in e["ids"][:]]
    images = idx(ids[0].split("#")[0])
    rows = [int(i.split("#")[1]) for i in ids]
    pixels = images[rows].reshape(len(rows), -1).astype(np.float32) / 255
    with h5py.File("pixels-" + name, "w") as out:
        out["embeddings"] = pixels
        out["labels"] = e["labels"][:]
        out.create_dataset("ids", data=e["ids"][:], dtype=h5py.string_dtype())
        out.create_dataset("classes", data=e["classes"][:], dtype=h5py.string_dtype())
        for key, value in {"format": "sim-embeddings", "distance": "euclidean", "model_fingerprint": ""}.items():
            out.attrs[key] = value
        out.attrs["version"] = np.int64(1)
        out.attrs["dim"] = np.int64(pixels.shape[1])
        out.attrs["count"] = np.int64(len(rows))
PY
expect 0 "" "$bin/sim-eval" --reference pixels-train.h5 -i pixels-test.h5 --json pixels.json "${one[@]}"

$py - model.json pixels.json <<'PY' || fail "the model does not beat raw pixels (figures above)"
import json, sys
model, pixels = (json.load(open(p))["metrics"] for p in sys.argv[1:])
for name in ("precision@1", "map@r"):
    print(f"{name}: model {model[name]:.4f}, raw pixels {pixels[name]:.4f}")
    assert model[name] > pixels[name], name
PY

for f in index.html neighbours.png confusion.png thresholds.png distances.png projection.png metrics.json; do
  [[ -s report/$f ]] || fail "report/$f missing"
done
$py -c "
import struct, sys
for name in ['neighbours', 'confusion', 'thresholds', 'distances', 'projection']:
    head = open('report/' + name + '.png', 'rb').read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n', name
    w, h = struct.unpack('>II', head[16:24])
    assert w >= 300 and h >= 300, (name, w, h)
" || fail "the report's pictures are not whole PNGs"
grep -qF 'src="neighbours.png"' report/index.html || fail "index.html does not show the neighbours"
finish
