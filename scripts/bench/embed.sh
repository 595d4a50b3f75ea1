#!/usr/bin/env bash
# Benchmark: embed the 70k Fashion-MNIST images (train + test) with sim's default network, sim-embed
# against the same network in PyTorch from Python (scripts/bench/embed_peer.py), same threads,
# inference mode, batches of 256, side by side in one run. Reports images/s, peak memory (maximum
# resident set size) and the ratio (> 1 means sim is faster). Both time the whole job: reading the
# IDX files, decoding, inference; sim also writes the HDF5 file.
#
#   scripts/bench/embed.sh [THREADS=nproc]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" --peers >&2
threads="${1:-$(nproc)}"
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Any model of the default architecture will do: throughput does not depend on the weights.
"$bin/sim-train" "$data" -o "$tmp/bench.sim" --steps 5 --val-split 0 -q --threads "$threads"

/usr/bin/python3 - "$bin/sim-embed" "$tmp" "$data" "$threads" "$root/scripts/bench/embed_peer.py" <<'PY'
import json, resource, subprocess, sys, time
sim_embed, tmp, data, threads, peer = sys.argv[1:]

def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, out

seconds, peak, _ = run([sim_embed, "-m", f"{tmp}/bench.sim", data, "-o", f"{tmp}/all.h5", "--threads", threads, "-q"])
ours = {"images": 70000, "seconds": round(seconds, 2), "images_per_second": round(70000 / seconds), "peak_mib": round(peak)}
_, _, out = run([peer, data, threads, "256"])
theirs = json.loads(out)
print("sim-embed:", json.dumps(ours))
print("pytorch:  ", json.dumps(theirs))
print(f"ratio (images/s, sim / pytorch): {ours['images_per_second'] / theirs['images_per_second']:.2f}x")
PY
