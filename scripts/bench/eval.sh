#!/usr/bin/env bash
# Benchmark: sim-eval's exact evaluation of the 10k Fashion-MNIST test embeddings against the 60k
# train embeddings (sim-eval --reference: every metric, calibration, no index), next to the time of
# the equivalent matrix product on this machine (numpy's float32 10k x D times D x 60k, OpenBLAS,
# same threads) — the floor any exact search must pay. Reports wall time and peak memory (maximum
# resident set size) of both, and sim-eval's own search time from its JSON.
#
# sim-eval does more than the product: it ranks max(k, R) neighbours per query (R = 6,000, a class
# of the train split), re-scores them exactly in double precision and grades them, in chunks so
# memory stays bounded; the product alone holds the whole 10k x 60k matrix (2.4 GB).
#
#   scripts/bench/eval.sh [THREADS=nproc] [TRAIN.h5 TEST.h5]
# Without embeddings, a quickly trained model (one epoch) makes them: the search cost does not
# depend on how good the model is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" >&2
threads="${1:-$(nproc)}"
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
train="${2:-}"
test="${3:-}"
if [[ -z $train ]]; then
  "$bin/sim-train" "$data" -o "$tmp/bench.sim" --epochs 1 -q --threads "$threads"
  "$bin/sim-embed" -m "$tmp/bench.sim" "$data" --split train -o "$tmp/train.h5" -q --threads "$threads"
  "$bin/sim-embed" -m "$tmp/bench.sim" "$data" --split test -o "$tmp/test.h5" -q --threads "$threads"
  train="$tmp/train.h5"
  test="$tmp/test.h5"
fi

/usr/bin/python3 - "$bin/sim-eval" "$train" "$test" "$threads" <<'PY'
import json, subprocess, sys, time
sim_eval, train, test, threads = sys.argv[1:]

def timed(cmd):
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, check=True, capture_output=True, text=True)
    wall, peak_kib = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(peak_kib) / 1024, out.stdout

wall, peak, out = timed([sim_eval, "--reference", train, "-i", test, "--json", "-", "-q", "--threads", threads])
doc = json.loads(out)
ours = {"seconds": round(wall, 2), "search_seconds": round(doc["timing"]["search_seconds"], 2),
        "peak_mib": round(peak), "searched_per_query": doc["counts"]["searched_slots"],
        "precision@1": round(doc["metrics"]["precision@1"], 4), "map@r": round(doc["metrics"]["map@r"], 4)}

product = r"""
import h5py, json, os, sys, time
import numpy as np
train, test = sys.argv[1:]
r = h5py.File(train)["embeddings"][:]
q = h5py.File(test)["embeddings"][:]
start = time.perf_counter()
scores = q @ r.T
print(json.dumps({"seconds": time.perf_counter() - start, "shape": list(scores.shape)}))
"""
env_threads = {"OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads}
import os
env = dict(os.environ, **env_threads)
out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "/usr/bin/python3", "-c", product, train, test],
                     check=True, capture_output=True, text=True, env=env)
theirs = json.loads(out.stdout)
_, peak_kib = out.stderr.strip().splitlines()[-1].split()
theirs = {"seconds": round(theirs["seconds"], 2), "shape": theirs["shape"], "peak_mib": round(int(peak_kib) / 1024)}
print("sim-eval --reference:", json.dumps(ours))
print("numpy q @ r.T:       ", json.dumps(theirs))
print(f"sim-eval time / matrix product time: {ours['seconds'] / theirs['seconds']:.1f}x "
      f"(search only: {ours['search_seconds'] / theirs['seconds']:.1f}x); "
      f"peak memory {ours['peak_mib']} MiB vs {theirs['peak_mib']} MiB")
PY
