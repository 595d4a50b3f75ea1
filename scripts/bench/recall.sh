#!/usr/bin/env bash
# Benchmark: recall by target against the fixed default ef, on data a new user would try (not a
# fixture of the project): 20,000 64-d points in 50 overlapping Gaussian blobs (centres N(0, 1),
# points centre + N(0, SPREAD^2), SPREAD=1.5 unless set, numpy seeded), and 1,000 new points of the
# same distribution as queries.
# Two HNSW indexes of the same items: `sim-index` by default (ef tuned to --target-recall 0.99 on
# a sample of the items) and `--target-recall 0` (ef 64, the old default). For each: the stored
# ef, the recall@10 sim-index measured, the recall@10 of the new queries against an exact index,
# and queries/s of sim-query (the two alternating, ROUNDS times; median, min and max of the ratio).
#
#   scripts/bench/recall.sh [ROUNDS=5]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" >&2
rounds="${1:-5}"
bin="${SIM_BUILD_DIR:-$root/build}/tools"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$bin" "$tmp" "$rounds" <<'PY'
import os, re, statistics, subprocess, sys, time
import h5py, numpy as np
bin_, tmp, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])

def write(path, x, prefix):
    with h5py.File(path, "w") as f:  # sim's embeddings layout (man sim-formats)
        f.attrs.update({"format": "sim-embeddings", "version": 1, "distance": "euclidean", "dim": x.shape[1],
                        "model_fingerprint": ""})
        f["embeddings"] = x
        f["labels"] = np.full(len(x), -1, dtype=np.int64)
        f.create_dataset("ids", data=[f"{prefix}{i}" for i in range(len(x))], dtype=h5py.string_dtype())
        f.create_dataset("classes", data=[], dtype=h5py.string_dtype())
        f.attrs["count"] = len(x)

rng = np.random.default_rng(0)
spread = float(os.environ.get("SPREAD", "1.5"))
centres = rng.standard_normal((50, 64)).astype(np.float32)
def points(n):
    return centres[rng.integers(0, 50, n)] + spread * rng.standard_normal((n, 64)).astype(np.float32)
write(f"{tmp}/items.h5", points(20000), "item-")
write(f"{tmp}/queries.h5", points(1000), "query-")

def run(*args):
    return subprocess.run([f"{bin_}/{args[0]}", *args[1:]], check=True, capture_output=True, text=True)

run("sim-index", "-i", f"{tmp}/items.h5", "-o", f"{tmp}/exact.idx", "--exact", "-q")
run("sim-index", "-i", f"{tmp}/items.h5", "-o", f"{tmp}/tuned.idx", "--seed", "1", "--threads", "1", "-q")
run("sim-index", "-i", f"{tmp}/items.h5", "-o", f"{tmp}/fixed.idx", "--seed", "1", "--threads", "1",
    "--target-recall", "0", "-q")

def neighbours(index):
    out = run("sim-query", f"{tmp}/{index}", "-i", f"{tmp}/queries.h5", "-k", "10", "-q").stdout
    lists = {}
    for line in out.splitlines()[1:]:
        q, _, item = line.split("\t")[:3]
        lists.setdefault(q, set()).add(item)
    return lists

exact = neighbours("exact.idx")
report = {}
for name in ("tuned", "fixed"):
    info = run("sim-index", "info", f"{tmp}/{name}.idx").stdout
    ef = int(re.search(r"^ef: (\d+)", info, re.M).group(1))
    measured = re.search(r"^recall: (.*)$", info, re.M).group(1)
    got = neighbours(f"{name}.idx")
    recall = sum(len(got[q] & exact[q]) for q in exact) / (10 * len(exact))
    report[name] = {"ef": ef, "measured": measured, "recall": recall}

def qps(index):
    start = time.perf_counter()
    run("sim-query", f"{tmp}/{index}", "-i", f"{tmp}/queries.h5", "-k", "10", "-q", "--threads", "1")
    return 1000 / (time.perf_counter() - start)
ratios = []
for _ in range(rounds):
    a, b = qps("tuned.idx"), qps("fixed.idx")
    ratios.append(a / b)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
print(f"CPU: {cpu}")
for name, label in (("tuned", "default (--target-recall 0.99)"), ("fixed", "--target-recall 0 (ef 64)")):
    r = report[name]
    print(f"{label}: ef {r['ef']}; sim-index measured: {r['measured']}; "
          f"recall@10 of 1,000 new queries against exact: {r['recall']:.4f}")
print(f"queries/s tuned / fixed, 1 thread, whole sim-query runs (start-up included), {rounds} alternating rounds: "
      f"median {statistics.median(ratios):.2f}x (min {min(ratios):.2f}x, max {max(ratios):.2f}x)")
PY
