#!/usr/bin/python3
"""The data set of scripts/bench/ann.sh: ann-benchmarks' fashion-mnist-784-euclidean, made from
Debian's dataset-fashion-mnist as ann-benchmarks makes it (its datasets.py, fashion_mnist()):
the 60,000 train images as the base and the 10,000 test images as the queries, each image's 784
pixels (0-255) as a float32 vector, euclidean distance, the 100 nearest neighbours of every query
as the ground truth.

  ann_data.py FASHION_DIR OUT_DIR

writes OUT_DIR/train.npy (60000 x 784 float32), OUT_DIR/test.npy (10000 x 784 float32),
OUT_DIR/truth_ids.npy (10000 x 100 int32, closest first) and OUT_DIR/truth_distances.npy
(10000 x 100 float64). The neighbours are found in float32 (the |q|^2 - 2 q.x + |x|^2 product,
in blocks), then the 400 closest are measured again exactly (pixels are integers, so float64
differences are exact) and sorted, ties by position. The float32 product's rounding, a few units
in |x|^2 ~ 10^7, is larger than the benchmark's 1e-3 tolerance, which is why the distances are
measured again.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_idx import read_idx  # noqa: E402

COUNT, SHORTLIST, BLOCK = 100, 400, 500


def truth(train, test):
    norms = np.einsum("ij,ij->i", train, train)
    ids = np.empty((len(test), COUNT), dtype=np.int32)
    distances = np.empty((len(test), COUNT), dtype=np.float64)
    exact_train = train.astype(np.float64)
    for start in range(0, len(test), BLOCK):
        q = test[start:start + BLOCK]
        approx = norms[None, :] - 2.0 * (q @ train.T)  # |q|^2 is the same along a row
        shortlist = np.argpartition(approx, SHORTLIST, axis=1)[:, :SHORTLIST]
        for row, candidates in enumerate(shortlist):
            diff = exact_train[candidates] - q[row].astype(np.float64)
            d = np.sqrt(np.einsum("ij,ij->i", diff, diff))
            order = np.lexsort((candidates, d))[:COUNT]
            ids[start + row], distances[start + row] = candidates[order], d[order]
    return ids, distances


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    fashion, out = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    train = read_idx(f"{fashion}/train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32)
    test = read_idx(f"{fashion}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32)
    ids, distances = truth(train, test)
    np.save(f"{out}/train.npy", train)
    np.save(f"{out}/test.npy", test)
    np.save(f"{out}/truth_ids.npy", ids)
    np.save(f"{out}/truth_distances.npy", distances)


if __name__ == "__main__":
    main()
