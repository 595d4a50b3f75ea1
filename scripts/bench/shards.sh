#!/usr/bin/env bash
# Benchmark: HNSW search over 1, 2 and 4 shards of one gallery (scripts/bench/index_data.py's
# clustered 64-d vectors, euclidean; 10k queries of the same distribution), the shards built apart
# by sim-index (ef tuned per shard to --target-recall 0.99) and queried together by one sim-query
# process; recall@10 against sim's exact index over the whole gallery. The configurations take
# turns (1, 2, 4, 1, 2, 4, ...) for ROUNDS rounds; queries/s is the median, with the median, min
# and max of its ratio to 1 shard. Also per configuration: the build time (all shards, one after
# another, --threads THREADS), the index files' size and sim-query's peak memory. With SIZES, one
# shard of each size first (how build time, memory and latency grow with the items).
#
#   scripts/bench/shards.sh [ITEMS=1000000] [THREADS=nproc] [ROUNDS=3]
#   SIZES="100000 300000" scripts/bench/shards.sh      also one shard of 100k and 300k items
# Environment: SIM_BUILD_DIR (default: build), SIM_BENCH_KEEP (a directory to keep the data and
# indexes in; default: a temporary one).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" >&2
items="${1:-1000000}" threads="${2:-$(nproc)}" rounds="${3:-3}"
bin="${SIM_BUILD_DIR:-$root/build}/tools"
work="${SIM_BENCH_KEEP:-}"
if [[ -z $work ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
/usr/bin/python3 - "$root" "$bin" "$work" "$items" "$threads" "$rounds" "${SIZES:-}" <<'PY'
import os, statistics, subprocess, sys, time
import h5py
root, bin_, work, items, threads, rounds, sizes = sys.argv[1:]
items, rounds = int(items), int(rounds)
sys.path.insert(0, os.path.join(root, "scripts", "bench"))
import index_data  # noqa: E402  (its write(): sim's embeddings layout)

def run(*args, peak=False):
    cmd = ["/usr/bin/time", "-f", "%e %M"] + [f"{bin_}/{args[0]}", *args[1:]]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall, kib = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kib) / 1024, out.stdout

base, queries = f"{work}/base.h5", f"{work}/queries.h5"
if not os.path.exists(base):
    subprocess.run(["/usr/bin/python3", f"{root}/scripts/bench/index_data.py", base, queries, "--n", str(items)],
                   check=True)

def part(path, first, last, out):
    with h5py.File(path) as f:
        classes = [c.decode() if isinstance(c, bytes) else c for c in f["classes"][:]]
        index_data.write(out, f["embeddings"][first:last], f["labels"][first:last], "", classes,
                         f.attrs["distance"], f.attrs["model_fingerprint"])
        # ids as in the whole file, so that the shards' union is the gallery
        with h5py.File(out, "r+") as g:
            del g["ids"]
            g.create_dataset("ids", data=f["ids"][first:last], dtype=h5py.string_dtype("utf-8"))
            del g.attrs["count"]
            g.attrs["count"] = last - first

def neighbours(text):
    lists = {}
    for line in text.splitlines()[1:]:
        q, _, item = line.split("\t")[:3]
        lists.setdefault(q, set()).add(item)
    return lists

def size_of(paths):
    return sum(os.path.getsize(p) for idx in paths for p in [idx] + [f"{os.path.dirname(idx)}/{n}"
               for n in os.listdir(os.path.dirname(idx)) if n.startswith(os.path.basename(idx) + ".g")])

exact = f"{work}/exact.idx"
if not os.path.exists(exact):
    run("sim-index", "-i", base, "-o", exact, "--exact", "-q", "--threads", threads)
_, _, truth_text = run("sim-query", exact, "-i", queries, "-k", "10", "-q", "--threads", threads)
truth = neighbours(truth_text)

def build(shards, n):
    paths, seconds = [], 0.0
    for s in range(shards):
        first, last = s * n // shards, (s + 1) * n // shards
        emb, idx = f"{work}/n{n}-s{shards}-{s}.h5", f"{work}/n{n}-s{shards}-{s}.idx"
        if not os.path.exists(emb):
            part(base, first, last, emb)
        wall, _, _ = run("sim-index", "-i", emb, "-o", idx, "-q", "--threads", threads)
        seconds += wall
        paths.append(idx)
    return paths, seconds

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
print(f"CPU: {cpu}; {items} items, 10k queries, k 10, threads {threads}")
for n in [int(x) for x in sizes.split()]:
    paths, seconds = build(1, n)
    wall, peak, _ = run("sim-query", *paths, "-i", queries, "-k", "10", "-q", "--threads", threads)
    print(f"one shard of {n} items: build {seconds:.1f} s, files {size_of(paths) / 2**20:.0f} MiB, "
          f"sim-query 10k queries {wall:.2f} s, peak {peak:.0f} MiB")

configs = {}
for shards in (1, 2, 4):
    paths, seconds = build(shards, items)
    configs[shards] = {"paths": paths, "build": seconds, "qps": [], "peak": 0.0}
for _ in range(rounds):
    for shards, c in configs.items():
        start = time.perf_counter()
        wall, peak, text = run("sim-query", *c["paths"], "-i", queries, "-k", "10", "-q", "--threads", threads)
        c["qps"].append(10000 / wall)
        c["peak"] = max(c["peak"], peak)
        got = neighbours(text)
        c["recall"] = sum(len(got[q] & truth[q]) for q in truth) / (10 * len(truth))
for shards, c in configs.items():
    ratios = [a / b for a, b in zip(c["qps"], configs[1]["qps"])]
    print(f"{shards} shard(s): build {c['build']:.1f} s, files {size_of(c['paths']) / 2**20:.0f} MiB, "
          f"recall@10 {c['recall']:.4f}, queries/s (whole sim-query runs) median {statistics.median(c['qps']):.0f}, "
          f"vs 1 shard median {statistics.median(ratios):.2f}x (min {min(ratios):.2f}x, max {max(ratios):.2f}x), "
          f"peak {c['peak']:.0f} MiB")
PY
