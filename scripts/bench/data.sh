#!/usr/bin/env bash
# Benchmark: load the Fashion-MNIST train split and draw 1,000 class-balanced batches, sim against
# the same work in PyTorch from Python (scripts/bench/data_peer.py), side by side in one run.
# Prints both JSON lines and the ratios (>1 means sim is faster).
#
#   scripts/bench/data.sh [BATCHES] [CLASSES_PER_BATCH] [EXAMPLES_PER_CLASS] [THREADS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" --peers >&2
batches="${1:-1000}" p="${2:-10}" k="${3:-25}" threads="${4:-$(nproc)}"
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"

ours=$("$bin/sim-train" "$data" --dry-run --dry-run-batches "$batches" --classes-per-batch "$p" \
  --examples-per-class "$k" --threads "$threads" -q)
peer=$(/usr/bin/python3 "$root/scripts/bench/data_peer.py" "$data" "$batches" "$p" "$k" "$threads")
echo "sim:     $ours"
echo "pytorch: $peer"
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"open (load train split): sim {ours['open_seconds']:.3f} s, pytorch {peer['open_seconds']:.3f} s, "
      f"ratio {peer['open_seconds'] / ours['open_seconds']:.2f}x")
print(f"sampling {ours['batches']} batches of {ours['batch_size']}: sim {ours['sample_seconds']:.3f} s, "
      f"pytorch {peer['sample_seconds']:.3f} s, ratio {peer['sample_seconds'] / ours['sample_seconds']:.2f}x")
PY
