#!/usr/bin/env bash
# Benchmark: retrieval quality of sim-train's default settings on Fashion-MNIST. Trains on the train
# split, embeds train (the index) and test (the queries), and scores the 10k test queries against
# the 60k train items by exact search: precision@1 and MAP@R (Musgrave et al. 2020). The peer is
# raw-pixel nearest neighbour (euclidean on the 784 pixels) on the same split, scored the same way.
# Also reports the training time. The scoring is plain numpy on the HDF5 files (h5py).
#
#   scripts/bench/fashion_quality.sh [extra sim-train flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" >&2
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

SECONDS=0
"$bin/sim-train" "$data" -o "$tmp/model.sim" "$@"
seconds=$SECONDS
"$bin/sim-embed" -m "$tmp/model.sim" "$data" --split train -o "$tmp/train.h5" -q
"$bin/sim-embed" -m "$tmp/model.sim" "$data" --split test -o "$tmp/test.h5" -q

/usr/bin/python3 - "$tmp" "$data" "$seconds" "$root/scripts/bench" <<'PY'
import sys
import h5py
import numpy as np

tmp, data, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from fashion_idx import read_idx

def scores(queries, q_labels, index, i_labels, similarity):
    """P@1 and MAP@R of every query against the index by exact search (no self-match: disjoint sets)."""
    counts = np.bincount(i_labels)
    r_max = counts.max()
    p1 = mapr = 0.0
    for first in range(0, len(queries), 250):
        s = similarity(queries[first:first + 250], index)
        top = np.argpartition(-s, r_max - 1, axis=1)[:, :r_max]
        order = np.take_along_axis(s, top, axis=1).argsort(axis=1)[:, ::-1]
        ranked = i_labels[np.take_along_axis(top, order, axis=1)]
        for q, row in enumerate(ranked):
            label = q_labels[first + q]
            r = counts[label]
            rel = row[:r] == label
            p1 += rel[0]
            mapr += (np.cumsum(rel) / np.arange(1, r + 1) * rel).sum() / r
    return p1 / len(queries), mapr / len(queries)

train, test = h5py.File(f"{tmp}/train.h5"), h5py.File(f"{tmp}/test.h5")
cosine = lambda a, b: a @ b.T  # the embeddings are L2-normalised: larger is closer
ours = scores(test["embeddings"][:], test["labels"][:], train["embeddings"][:], train["labels"][:], cosine)

xtr = read_idx(f"{data}/train-images-idx3-ubyte.gz").reshape(60000, -1).astype(np.float32) / 255
xte = read_idx(f"{data}/t10k-images-idx3-ubyte.gz").reshape(10000, -1).astype(np.float32) / 255
ytr = read_idx(f"{data}/train-labels-idx1-ubyte.gz").astype(np.int64)
yte = read_idx(f"{data}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
sq = (xtr ** 2).sum(1)
neg_l2 = lambda a, b: 2 * a @ b.T - sq[None, :]  # -|a-b|^2 up to a per-query constant
pixels = scores(xte, yte, xtr, ytr, neg_l2)

print(f"sim-train (default settings): training {seconds / 60:.1f} min, precision@1 {ours[0]:.4f}, MAP@R {ours[1]:.4f}")
print(f"raw-pixel nearest neighbour:  precision@1 {pixels[0]:.4f}, MAP@R {pixels[1]:.4f}")
print(f"ratio to raw pixels: precision@1 {ours[0] / pixels[0]:.2f}x, MAP@R {ours[1] / pixels[1]:.2f}x")
PY
