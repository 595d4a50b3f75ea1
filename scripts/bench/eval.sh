#!/usr/bin/env bash
# Benchmark: sim-eval's exact evaluation of the 10k Fashion-MNIST test embeddings against the 60k
# train embeddings (sim-eval --reference: every metric, calibration, no index), side by side with
#   - numpy's bare float32 product of the same matrices (10k x D times D x 60k, OpenBLAS, same
#     threads): the floor any exact search must pay, and this machine's measured sgemm rate;
#   - faiss' exact IndexFlat search of the same top-k (max(k, R) neighbours per query, R = 6,000,
#     a class of the train split), inner product on the normalised vectors (cosine).
# The sides alternate (sim, numpy, faiss, sim, numpy, faiss, ...) because these machines are
# shared and noisy; the report gives the median of the per-round ratios with their min and max.
# Reports wall time and peak memory (maximum resident set size) of each, and sim-eval's own
# search time from its JSON.
#
# sim-eval does more than the product: it ranks max(k, R) neighbours per query, re-scores them
# exactly in double precision and grades them, in blocks so nothing of size queries x gallery is
# held; the product alone holds the whole 10k x 60k matrix (2.4 GB), faiss' answer 10k x 6,000.
#
#   scripts/bench/eval.sh [THREADS=nproc] [TRAIN.h5 TEST.h5] [ROUNDS=3]
# Without embeddings, a quickly trained model (one epoch) makes them: the search cost does not
# depend on how good the model is. faiss comes from `scripts/setup.sh --peers`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" --peers >&2
threads="${1:-$(nproc)}"
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
train="${2:-}"
test="${3:-}"
rounds="${4:-3}"
if [[ -z $train ]]; then
  "$bin/sim-train" "$data" -o "$tmp/bench.sim" --epochs 1 -q --threads "$threads"
  "$bin/sim-embed" -m "$tmp/bench.sim" "$data" --split train -o "$tmp/train.h5" -q --threads "$threads"
  "$bin/sim-embed" -m "$tmp/bench.sim" "$data" --split test -o "$tmp/test.h5" -q --threads "$threads"
  train="$tmp/train.h5"
  test="$tmp/test.h5"
fi

/usr/bin/python3 - "$bin/sim-eval" "$train" "$test" "$threads" "$rounds" <<'PY'
import json, os, statistics, subprocess, sys
sim_eval, train, test, threads, rounds = sys.argv[1:]
env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads)

def timed(cmd):
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, check=True, capture_output=True, text=True, env=env)
    wall, peak_kib = out.stderr.strip().splitlines()[-1].split()
    return float(wall), round(int(peak_kib) / 1024), out.stdout

def run_sim():
    wall, peak, out = timed([sim_eval, "--reference", train, "-i", test, "--json", "-", "-q", "--threads", threads])
    doc = json.loads(out)
    return {"seconds": wall, "search_seconds": doc["timing"]["search_seconds"], "peak_mib": peak,
            "searched_per_query": doc["counts"]["searched_slots"],
            "precision@1": round(doc["metrics"]["precision@1"], 4), "map@r": round(doc["metrics"]["map@r"], 4)}

# The peers time their own work only (not Python's start or reading the files); sim-eval's wall
# time includes everything, so the ratios favour the peers.
peer = r"""
import h5py, json, sys, time
import numpy as np
which, train, test, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
r = np.ascontiguousarray(h5py.File(train)["embeddings"][:], dtype=np.float32)
q = np.ascontiguousarray(h5py.File(test)["embeddings"][:], dtype=np.float32)
if which == "numpy":
    start = time.perf_counter()
    scores = q @ r.T
    print(json.dumps({"seconds": time.perf_counter() - start, "shape": [q.shape[0], r.shape[0], r.shape[1]]}))
else:
    import faiss
    faiss.normalize_L2(r)
    faiss.normalize_L2(q)
    index = faiss.IndexFlatIP(r.shape[1])
    index.add(r)
    start = time.perf_counter()
    distances, labels = index.search(q, k)
    print(json.dumps({"seconds": time.perf_counter() - start, "shape": [q.shape[0], r.shape[0], r.shape[1]]}))
"""

def run_peer(which, k):
    wall, peak, out = timed(["/usr/bin/python3", "-c", peer, which, train, test, str(k)])
    doc = json.loads(out)
    return {"seconds": doc["seconds"], "peak_mib": peak, "shape": doc["shape"]}

sims, products, flats = [], [], []
for _ in range(int(rounds)):
    sims.append(run_sim())
    products.append(run_peer("numpy", 0))
    flats.append(run_peer("faiss", sims[-1]["searched_per_query"]))

def spread(values):
    return f"median {statistics.median(values):.2f}x (min {min(values):.2f}x, max {max(values):.2f}x)"

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
print(f"CPU: {cpu}; threads {threads}; {rounds} rounds (sim-eval, numpy, faiss alternating)")
for s, p, f in zip(sims, products, flats):
    print(f"  sim-eval {s['seconds']:.2f} s (search {s['search_seconds']:.2f} s, {s['peak_mib']} MiB)"
          f"  numpy product {p['seconds']:.2f} s ({p['peak_mib']} MiB)"
          f"  faiss IndexFlatIP k={s['searched_per_query']} {f['seconds']:.2f} s ({f['peak_mib']} MiB)")
print(f"quality (every round): precision@1 {sims[0]['precision@1']}, MAP@R {sims[0]['map@r']}")
print("sim-eval (all of it) / numpy product:", spread([s["seconds"] / p["seconds"] for s, p in zip(sims, products)]))
print("sim-eval search only / numpy product:", spread([s["search_seconds"] / p["seconds"] for s, p in zip(sims, products)]))
print("sim-eval (all of it) / faiss search: ", spread([s["seconds"] / f["seconds"] for s, f in zip(sims, flats)]))
# 2 flops (a multiply and an add) per query, gallery row and dimension.
nq, n, dim = products[0]["shape"]
flops = 2.0 * nq * n * dim
best_product = min(p["seconds"] for p in products)
print(f"sgemm rate of this machine (the fastest product): {flops / best_product / 1e9:.0f} GFLOP/s; "
      f"sim-eval's search at that rate would take {best_product:.2f} s, its fastest took "
      f"{min(s['search_seconds'] for s in sims):.2f} s")
PY
