#!/usr/bin/env bash
# Benchmark: training throughput of TF Similarity's hello-world network with the Multi-Similarity
# loss on Fashion-MNIST, sim-train against the same network, loss and optimiser in PyTorch from
# Python (scripts/bench/train_peer.py), same batch shape, same threads, side by side in one run.
# Prints images/s, where the time goes on each side, and the ratio (> 1 means sim is faster).
#
#   scripts/bench/train.sh [STEPS=200] [THREADS=nproc]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" --peers >&2
steps="${1:-200}" threads="${2:-$(nproc)}"
p=10 k=16  # sim-train's default batch shape on Fashion-MNIST
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# sim-train reports its loop time split as: data, forward, loss, backward+step.
"$bin/sim-train" "$data" -o "$tmp/hello.sim" --arch hello --steps "$steps" --val-split 0 \
  --classes-per-batch "$p" --examples-per-class "$k" --threads "$threads" 2>"$tmp/log"
ours=$(grep -o 'wrote .*' "$tmp/log")
peer=$(/usr/bin/python3 "$root/scripts/bench/train_peer.py" "$data" "$steps" "$p" "$k" "$threads")
echo "sim-train: $ours"
echo "pytorch:   $peer"
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, re, sys
ours = float(re.search(r"([0-9.]+) images/s", sys.argv[1]).group(1))
peer = json.loads(sys.argv[2])["images_per_second"]
print(f"ratio (images/s, sim / pytorch): {ours / peer:.2f}x")
PY
