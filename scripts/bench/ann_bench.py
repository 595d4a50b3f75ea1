#!/usr/bin/python3
"""The driver of scripts/bench/ann.sh: ann-benchmarks' protocol on fashion-mnist-784-euclidean.

  ann_bench.py run DATA_DIR WORKDIR BINDIR NATIVE M EF_CONSTRUCTION BUILD_THREADS EFS ROUNDS [VARIANTS]
      Each engine builds its index on BUILD_THREADS threads (its own process); then ROUNDS rounds,
      each going through EFS with every engine searching all the queries at that ef, one query
      thread, each search its own process, the engines taking turns (the order reversed every
      other round). Prints one JSON object; every command is echoed on stderr.
  ann_bench.py report RESULT.json [--plot PNG]
      The table and the ratios (> 1 means sim is faster), and the curves.
  ann_bench.py faiss build TRAIN.npy INDEX M EF_CONSTRUCTION THREADS
  ann_bench.py faiss query INDEX TEST.npy K EF OUT.i32
      The faiss peer (Debian's python3-faiss, IndexHNSWFlat, METRIC_L2), as the other two sides:
      prints {"build_seconds"} or {"seconds"}; the queries are one batch searched on one OpenMP
      thread, which costs faiss no per-call Python overhead.

Engines: sim (sim-index, sim-query at their defaults), more sim rows from VARIANTS
("NAME=SIM-INDEX OPTIONS;NAME=...", e.g. "sq8=--quantize sq8"; each row is sim-NAME), hnswlib (scripts/bench/hnswlib_native.cpp: hnswlib's headers compiled -O3
-march=native), faiss. Recall@10 as ann-benchmarks computes it (its metrics.py, knn): a returned
item counts when its exact distance to the query is at most the true 10th distance + 1e-3; the
distances of returned items are measured here in float64 from the data, whatever the engine
reported. Queries/s is the search calls alone (sim-query's "searched N queries in X s", the
peers' own timers), so loading the index is not counted for anyone; ann-benchmarks times each
query call from Python, which adds the same few microseconds to every engine.
Ratios: at each recall target, each engine's point is the smallest ef reaching the target (recall
does not change between rounds: one thread, same graph); in each round the ratio of the two
engines' queries/s at their points; the median of the rounds with min and max.
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from index_bench import logged, run  # noqa: E402

K, EPSILON = 10, 1e-3
TARGETS = (0.90, 0.99, 0.999)


def recall(found, test, train, truth_distances):
    """ann-benchmarks' knn recall: found within the true K-th distance + EPSILON, over K, averaged."""
    threshold = truth_distances[:, K - 1] + EPSILON
    hits = 0
    for q, row in enumerate(found):
        row = row[row >= 0]
        d = np.sqrt(((train[row].astype(np.float64) - test[q].astype(np.float64)) ** 2).sum(axis=1))
        hits += int((d <= threshold[q]).sum())
    return hits / (len(found) * K)


def sim_ids(tsv, nq):
    """Rows (nq x K, -1 where fewer) of sim-query's TSV neighbours: ids are TRAIN.npy#ROW."""
    found = np.full((nq, K), -1, dtype=np.int64)
    row, last = -1, None
    with open(tsv, encoding="utf-8") as f:
        next(f)
        for line in f:
            query, rank, nid, _ = line.split("\t", 3)
            if query != last:
                row, last = row + 1, query
            found[row, int(rank) - 1] = int(nid.rsplit("#", 1)[1])
    return found


def file_bytes(*paths):
    return sum(os.path.getsize(p) for p in paths)


class Sim:
    def __init__(self, name, bindir, work, data, extra):
        self.name, self.bindir, self.work, self.data, self.extra = name, bindir, work, data, extra
        self.index = f"{work}/{name}.idx"

    def build(self, m, efc, threads):
        graph = [] if "--M" in self.extra else ["--M", str(m)]  # a variant's own --M and --ef-construction win
        graph += [] if "--ef-construction" in self.extra else ["--ef-construction", str(efc)]
        wall, peak, err = run([f"{self.bindir}/sim-index", "-i", f"{self.data}/train.npy", "--distance", "euclidean",
                               "-o", self.index, "--threads", str(threads), "--target-recall", "0"] + graph +
                              self.extra, f"{self.work}/{self.name}.out")
        got = logged(r"indexing: (\d+) items in [0-9.]+ s, ([0-9.]+) items/s", err, "indexing:")
        graphs = [f"{self.work}/{f}" for f in os.listdir(self.work) if f.startswith(f"{self.name}.idx.")]
        return {"build_seconds": int(got.group(1)) / float(got.group(2)), "build_process_seconds": wall,
                "build_peak_mib": round(peak), "bytes": file_bytes(self.index, *graphs)}

    def search(self, ef, nq):
        tsv = f"{self.work}/{self.name}.tsv"
        wall, peak, err = run([f"{self.bindir}/sim-query", self.index, "-i", f"{self.data}/test.npy", "-k", str(K),
                               "--ef", str(ef), "--threads", "1"], tsv)
        seconds = float(logged(r"searched \d+ queries in ([0-9.]+) s", err, "searched").group(1))
        return seconds, wall, peak, sim_ids(tsv, nq)


class Peer:
    """hnswlib_native or ann_bench.py faiss: build and query commands printing one JSON line."""

    def __init__(self, name, command, work, data):
        self.name, self.command, self.work, self.data = name, command, work, data
        self.index = f"{work}/{name}.index"

    def build(self, m, efc, threads):
        out = f"{self.work}/{self.name}.build.json"
        wall, peak, _ = run(self.command + ["build", f"{self.data}/train.npy", self.index, str(m), str(efc),
                                            str(threads)], out)
        with open(out) as f:
            seconds = json.load(f)["build_seconds"]
        return {"build_seconds": seconds, "build_process_seconds": wall, "build_peak_mib": round(peak),
                "bytes": file_bytes(self.index)}

    def search(self, ef, nq):
        out, ids = f"{self.work}/{self.name}.query.json", f"{self.work}/{self.name}.i32"
        wall, peak, _ = run(self.command + ["query", self.index, f"{self.data}/test.npy", str(K), str(ef), ids], out)
        with open(out) as f:
            seconds = json.load(f)["seconds"]
        return seconds, wall, peak, np.fromfile(ids, dtype=np.int32).reshape(nq, K).astype(np.int64)


def run_benchmark(data, work, bindir, native, m, efc, threads, efs, rounds, variants):
    train, test = np.load(f"{data}/train.npy"), np.load(f"{data}/test.npy")
    truth_distances = np.load(f"{data}/truth_distances.npy")
    nq = len(test)
    engines = [Sim("sim", bindir, work, data, [])]
    rows = dict(v.split("=", 1) for v in variants.split(";") if v.strip())
    engines += [Sim(f"sim-{name.strip()}", bindir, work, data, args.split()) for name, args in rows.items()]
    engines += [Peer("hnswlib", [native], work, data),
                Peer("faiss", ["/usr/bin/python3", os.path.abspath(__file__), "faiss"], work, data)]
    result = {"items": len(train), "queries": nq, "dim": train.shape[1], "M": m, "ef_construction": efc,
              "build_threads": threads, "k": K, "rounds": rounds, "variants": rows,
              "load_before": os.getloadavg()[0], "engines": {}}
    for e in engines:
        built = e.build(m, efc, threads)
        built["bytes_per_vector"] = round(built["bytes"] / len(train), 1)
        result["engines"][e.name] = dict(built, curve={})
    saturated = set()
    for r in range(rounds):
        order = engines if r % 2 == 0 else engines[::-1]
        for ef in efs:
            for e in order:
                if (e.name, ef) in saturated:
                    continue
                seconds, wall, peak, found = e.search(ef, nq)
                point = result["engines"][e.name]["curve"].setdefault(str(ef), {"ef": ef, "qps": [], "process": []})
                point["qps"].append(round(nq / seconds, 1))
                point["process"].append(round(wall, 3))
                point["peak_mib"] = round(peak)
                if r == 0:
                    point["recall"] = round(recall(found, test, train, truth_distances), 5)
                    if point["recall"] >= TARGETS[-1]:  # larger efs only cost time
                        saturated.update((e.name, later) for later in efs if later > ef)
    result["load_after"] = os.getloadavg()[0]
    return result


def at(curve, target):
    """The point of the smallest ef reaching `target`, or None."""
    return next((p for p in sorted(curve.values(), key=lambda p: p["ef"]) if p["recall"] >= target), None)


def ratio_text(a, b):
    per_round = sorted(x / y for x, y in zip(a["qps"], b["qps"]))
    median = float(np.median(per_round))
    return f"{median:.2f}x (min {per_round[0]:.2f}x, max {per_round[-1]:.2f}x)"


def report(result, plot):
    r = result
    print(f"\n== fashion-mnist-784-euclidean: {r['items']:,} items x {r['dim']}, {r['queries']:,} queries, "
          f"recall@{r['k']} (ann-benchmarks' rule), one query thread, M {r['M']}, ef_construction "
          f"{r['ef_construction']}, builds on {r['build_threads']} threads, {r['rounds']} rounds; "
          f"{'; '.join(f'sim-{n}: {a}' for n, a in r['variants'].items())}; load {r['load_before']:.2f} before, {r['load_after']:.2f} after")
    head = "".join(f"{'qps@' + str(t):>12}{'ef':>5}" for t in TARGETS)
    print(f"{'engine':<9}{'build s':>8}{'bytes/vec':>10}{head}")
    for name, e in r["engines"].items():
        cells = ""
        for t in TARGETS:
            p = at(e["curve"], t)
            cells += f"{np.median(p['qps']):>12.0f}{p['ef']:>5}" if p else f"{'never':>12}{'':>5}"
        print(f"{name:<9}{e['build_seconds']:>8.2f}{e['bytes_per_vector']:>10.0f}{cells}")
    for mine in [n for n in r["engines"] if n.startswith("sim")]:
        for peer in ("hnswlib", "faiss"):
            me, other = r["engines"][mine], r["engines"][peer]
            parts = []
            for t in TARGETS:
                a, b = at(me["curve"], t), at(other["curve"], t)
                parts.append(f"@{t}: {ratio_text(a, b)}" if a and b else f"@{t}: -")
            print(f"{mine} / {peer} queries/s " + "; ".join(parts))
            print(f"{mine} / {peer} build time {other['build_seconds'] / me['build_seconds']:.2f}x faster, "
                  f"bytes per vector {me['bytes_per_vector'] / other['bytes_per_vector']:.2f}x")
    if plot:
        draw(r, plot)
        print(f"curves: {plot}")


def draw(r, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.8))
    labels = {"sim": "sim (M 16, efC 200)", "hnswlib": "hnswlib -O3 -march=native", "faiss": "faiss IndexHNSWFlat"}
    labels.update({f"sim-{n}": f"sim {a}" for n, a in r["variants"].items()})
    for name, e in r["engines"].items():
        points = sorted(e["curve"].values(), key=lambda p: p["ef"])
        ax.plot([p["recall"] for p in points], [np.median(p["qps"]) for p in points], marker="o", label=labels[name])
    for t in TARGETS:
        ax.axvline(t, color="grey", linewidth=0.8, linestyle=":")
    ax.set_yscale("log")
    ax.set_xlabel(f"recall@{r['k']} (ann-benchmarks: within the true 10th distance + 1e-3)")
    ax.set_ylabel("queries/s, one thread (median of rounds)")
    ax.set_title(f"fashion-mnist-784-euclidean: {r['items']:,} x {r['dim']}, {r['queries']:,} queries", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def faiss_build(train, index, m, efc, threads):
    import faiss
    faiss.omp_set_num_threads(threads)
    items = np.load(train)
    graph = faiss.IndexHNSWFlat(items.shape[1], m, faiss.METRIC_L2)
    graph.hnsw.efConstruction = efc
    start = time.perf_counter()
    graph.add(items)
    seconds = time.perf_counter() - start
    faiss.write_index(graph, index)
    print(json.dumps({"build_seconds": round(seconds, 3)}))


def faiss_query(index, test, k, ef, out):
    import faiss
    faiss.omp_set_num_threads(1)
    queries = np.load(test)
    graph = faiss.read_index(index)
    graph.hnsw.efSearch = ef
    start = time.perf_counter()
    ids = graph.search(queries, k)[1]
    seconds = time.perf_counter() - start
    ids.astype(np.int32).tofile(out)
    print(json.dumps({"seconds": round(seconds, 4)}))


def main():
    a = sys.argv[1:]
    if len(a) in (10, 11) and a[0] == "run":
        data, work, bindir, native = a[1:5]
        m, efc, threads = (int(v) for v in a[5:8])
        efs, rounds = [int(v) for v in a[8].split(",")], int(a[9])
        variants = a[10] if len(a) == 11 else ""
        print(json.dumps(run_benchmark(data, work, bindir, native, m, efc, threads, efs, rounds, variants)))
    elif len(a) in (2, 4) and a[0] == "report":
        with open(a[1]) as f:
            report(json.load(f), a[3] if len(a) == 4 and a[2] == "--plot" else None)
    elif len(a) == 7 and a[:2] == ["faiss", "build"]:
        faiss_build(a[2], a[3], int(a[4]), int(a[5]), int(a[6]))
    elif len(a) == 7 and a[:2] == ["faiss", "query"]:
        faiss_query(a[2], a[3], int(a[4]), int(a[5]), a[6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
