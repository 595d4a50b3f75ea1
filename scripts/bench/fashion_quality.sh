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

tmp, data, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from retrieval_scores import embedding_scores, raw_pixel_scores

ours = embedding_scores(f"{tmp}/train.h5", f"{tmp}/test.h5")
pixels = raw_pixel_scores(data)
print(f"sim-train (default settings): training {seconds / 60:.1f} min, precision@1 {ours[0]:.4f}, MAP@R {ours[1]:.4f}")
print(f"raw-pixel nearest neighbour:  precision@1 {pixels[0]:.4f}, MAP@R {pixels[1]:.4f}")
print(f"ratio to raw pixels: precision@1 {ours[0] / pixels[0]:.2f}x, MAP@R {ours[1] / pixels[1]:.2f}x")
PY
