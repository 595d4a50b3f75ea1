#!/usr/bin/python3
"""The driver of scripts/bench/index.sh.

  index_bench.py run NAME BASE.h5 QUERIES.h5 WORKDIR BINDIR M EF_CONSTRUCTION THREADS K EFS REPEATS
      One data set, side by side: the exact ground truth (sim-index --exact, then sim-query on it),
      then each engine builds its index (sim-index; index_peer.py build for hnswlib's Python
      bindings and faiss), then, ef by ef, each engine searches all the queries (sim-query;
      index_peer.py query), REPEATS rounds taking turns. Prints one JSON object; every command is
      echoed on stderr.
  index_bench.py report RESULT.json... [--plot PNG]
      The table, the ratios (> 1 means sim is faster) and the recall-vs-queries/s curves.

Every build and every search is its own process, for sim and the peers alike, and the engines take
turns within each round, so that a burst of load from elsewhere on the machine hits them alike; the
fastest of the REPEATS rounds counts. Two kinds of figure: the work itself (sim's logs: "indexing:
N items in X s, R items/s" from sim-index, "searched N queries in X s" from sim-query, the search
calls alone; the peers time their add and search calls) and the whole process (wall time: start-up,
reading the HDF5 file, building or loading the index, and for sim writing the index or the TSV
neighbours). Peak memory is each process's maximum resident set size (os.wait4). An engine's curve
stops at the first ef whose recall@k reaches 0.999. hnswlib's bindings also search sim's own graph
(the stock hnswlib file sim-index wrote): the same graph searched by both, which separates the
search code from the graph.
"""
import json
import os
import re
import subprocess
import sys
import time

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
TARGET_RECALL = 0.99
SATURATED = 0.999


def run(cmd, stdout_path):
    """Runs cmd (stdout to a file, stderr captured); returns (wall seconds, peak MiB, stderr)."""
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        err = p.stderr.read().decode()
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write(err)
        raise SystemExit(f"index_bench: {cmd[0]} failed with exit status {p.returncode}")
    return seconds, usage.ru_maxrss / 1024, err


def unescape(field):
    """sim's TSV escapes (core tsv_escape): \\\\ \\t \\n \\r."""
    if "\\" not in field:
        return field
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), field)


def neighbours(tsv, position, nq, k):
    """Positions (nq x k, -1 where fewer) of the neighbours in a sim-query TSV, queries in order."""
    found = np.full((nq, k), -1, dtype=np.int64)
    query_row, last_query = -1, None
    with open(tsv, encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            query, rank, nid, _ = line.split("\t", 3)
            if query != last_query:
                query_row, last_query = query_row + 1, query
            found[query_row, int(rank) - 1] = position[unescape(nid)]
    return found


def recall(found, truth):
    k = truth.shape[1]
    return float(np.mean([len(np.intersect1d(f[f >= 0], t)) / k for f, t in zip(found, truth)]))


def logged(pattern, err, what):
    m = re.search(pattern, err)
    if not m:
        sys.stderr.write(err)
        raise SystemExit(f"index_bench: no '{what}' line in the log")
    return m


def run_dataset(name, base, queries, work, bindir, m, efc, threads, k, efs, repeats):
    sim_index, sim_query = f"{bindir}/sim-index", f"{bindir}/sim-query"
    peer = ["/usr/bin/python3", f"{here}/index_peer.py"]
    with h5py.File(base, "r") as f:
        ids = [s.decode() for s in f["ids"][:]]
        distance, dim = f.attrs["distance"], int(f.attrs["dim"])
    with h5py.File(queries, "r") as f:
        nq = int(f.attrs["count"])
    position = {s: i for i, s in enumerate(ids)}
    t = str(threads)

    # Ground truth: the exact index, searched by sim-query.
    exact = f"{work}/{name}.exact.idx"
    run([sim_index, "-i", base, "-o", exact, "--exact", "--threads", t], f"{work}/{name}.exact.out")
    truth_seconds, _, _ = run([sim_query, exact, "-i", queries, "-k", str(k), "--threads", t],
                              f"{work}/{name}.truth.tsv")
    truth = neighbours(f"{work}/{name}.truth.tsv", position, nq, k)
    truth_path = f"{work}/{name}.truth.npy"
    np.save(truth_path, truth)
    os.remove(exact)  # its vectors would only fill the disk

    # Builds.
    index = f"{work}/{name}.idx"
    wall, peak, err = run([sim_index, "-i", base, "-o", index, "--M", str(m), "--ef-construction", str(efc),
                           "--threads", t], f"{work}/{name}.index.out")
    got = logged(r"indexing: (\d+) items in [0-9.]+ s, ([0-9.]+) items/s", err, "indexing:")
    engines = {"sim": {"engine": "sim", "build_seconds": round(int(got.group(1)) / float(got.group(2)), 3),
                       "build_process_seconds": round(wall, 3), "build_peak_mib": round(peak), "curve": []}}
    with h5py.File(index, "r") as f:
        graph = os.path.join(work, f.attrs["hnsw_file"])  # the stock hnswlib file, beside the sidecar
    peer_index = {e: f"{work}/{name}.{e}.index" for e in ("hnswlib", "faiss")}
    for e, path in peer_index.items():
        wall, peak, _ = run(peer + ["build", e, base, path, str(m), str(efc), t], f"{work}/{name}.{e}.build.json")
        with open(f"{work}/{name}.{e}.build.json") as f:
            engines[e] = json.load(f)
        engines[e].update(build_process_seconds=round(wall, 3), build_peak_mib=round(peak), curve=[])
    engines["hnswlib"]["sim_graph_curve"] = []

    # Searches, ef by ef, the engines taking turns in each round.
    def sim_search(ef):
        tsv = f"{work}/{name}.ef{ef}.tsv"
        wall, peak, err = run([sim_query, index, "-i", queries, "-k", str(k), "--ef", str(ef), "--threads", t], tsv)
        seconds = float(logged(r"searched \d+ queries in ([0-9.]+) s", err, "searched").group(1))
        r = recall(neighbours(tsv, position, nq, k), truth)
        os.remove(tsv)
        return {"ef": ef, "recall": round(r, 5), "seconds": seconds, "process_seconds": wall, "peak_mib": round(peak)}

    def peer_search(e, path):
        def search(ef):
            out = f"{work}/{name}.query.json"
            wall, peak, _ = run(peer + ["query", e, path, queries, truth_path, str(k), str(ef), t], out)
            with open(out) as f:
                point = json.load(f)
            return {"ef": ef, "recall": point["recall"], "seconds": point["seconds"], "process_seconds": wall,
                    "peak_mib": round(peak)}
        return search

    searches = {("sim", "curve"): sim_search,
                ("hnswlib", "curve"): peer_search("hnswlib", peer_index["hnswlib"]),
                ("hnswlib", "sim_graph_curve"): peer_search("hnswlib", graph),
                ("faiss", "curve"): peer_search("faiss", peer_index["faiss"])}
    active = list(searches)
    for ef in efs:
        best = {}
        for _ in range(repeats):
            for key in active:
                point = searches[key](ef)
                if key not in best:
                    best[key] = point
                else:
                    for field in ("seconds", "process_seconds"):
                        best[key][field] = min(best[key][field], point[field])
        for key, point in best.items():
            point["queries_per_second"] = round(nq / point["seconds"], 1)
            point["process_queries_per_second"] = round(nq / point["process_seconds"], 1)
            point["seconds"], point["process_seconds"] = round(point["seconds"], 4), round(point["process_seconds"], 3)
            engines[key[0]][key[1]].append(point)
            if point["recall"] >= SATURATED:  # larger ef only costs time
                active.remove(key)
        if not active:
            break
    for e in engines.values():
        e["query_peak_mib"] = max(c["peak_mib"] for c in e["curve"])
    return {"name": name, "items": len(ids), "queries": nq, "dim": dim, "distance": distance, "M": m,
            "ef_construction": efc, "threads": threads, "k": k, "repeats": repeats,
            "truth_seconds": round(truth_seconds, 2), "engines": list(engines.values())}


def at_target(engine):
    """The point of the smallest ef reaching the target recall (None if none does)."""
    return next((c for c in engine["curve"] if c["recall"] >= TARGET_RECALL), None)


def report(results, plot):
    for r in results:
        print(f"\n== {r['name']}: {r['items']:,} items x {r['dim']}, {r['queries']:,} queries, {r['distance']}, "
              f"M {r['M']}, ef_construction {r['ef_construction']}, {r['threads']} threads, recall@{r['k']}, "
              f"best of {r['repeats']}")
        print(f"{'engine':<8} {'build s':>8} {'process':>8} {'ef@0.99':>8} {'recall':>7} {'queries/s':>10} "
              f"{'process':>8} {'peak MiB build/query':>21}")
        points = {e["engine"]: at_target(e) for e in r["engines"]}
        for e in r["engines"]:
            p = points[e["engine"]]
            peak = f"{e['build_peak_mib']}/{e['query_peak_mib']}"
            if p:
                print(f"{e['engine']:<8} {e['build_seconds']:>8.2f} {e['build_process_seconds']:>8.2f} {p['ef']:>8} "
                      f"{p['recall']:>7.4f} {p['queries_per_second']:>10.0f} {p['process_queries_per_second']:>8.0f} "
                      f"{peak:>21}")
            else:
                print(f"{e['engine']:<8} {e['build_seconds']:>8.2f} {e['build_process_seconds']:>8.2f} "
                      f"{'never':>8} {'':>7} {'':>10} {'':>8} {peak:>21}")
        sim, ps = r["engines"][0], points["sim"]
        for e in r["engines"][1:]:
            pe = points[e["engine"]]
            line = f"ratio sim / {e['engine']}: build {e['build_seconds'] / sim['build_seconds']:.2f}x " \
                   f"(whole processes {e['build_process_seconds'] / sim['build_process_seconds']:.2f}x)"
            if ps and pe:
                line += f", queries/s at recall@{r['k']} >= {TARGET_RECALL} " \
                        f"{ps['queries_per_second'] / pe['queries_per_second']:.2f}x " \
                        f"(whole processes {ps['process_queries_per_second'] / pe['process_queries_per_second']:.2f}x)"
                same = next((c for c in e["curve"] if c["ef"] == ps["ef"]), None)
                if same and pe["ef"] != ps["ef"]:
                    line += f"; at sim's ef {ps['ef']}: {ps['queries_per_second'] / same['queries_per_second']:.2f}x"
            print(line)
            graph = next((c for c in e.get("sim_graph_curve", []) if ps and c["ef"] == ps["ef"]), None)
            if graph:
                print(f"  same graph (the bindings searching sim's own hnswlib file) at ef {ps['ef']}: recall "
                      f"{graph['recall']:.4f} (sim {ps['recall']:.4f}), {graph['queries_per_second']:.0f} queries/s, "
                      f"ratio sim / {e['engine']} {ps['queries_per_second'] / graph['queries_per_second']:.2f}x")
    if plot:
        draw(results, plot)
        print(f"\ncurves: {plot}")


def draw(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(results), figsize=(6.5 * len(results), 4.8), squeeze=False)
    style = {"sim": ("tab:blue", "o"), "hnswlib": ("tab:orange", "s"), "faiss": ("tab:green", "^")}
    for ax, r in zip(axes[0], results):
        for e in r["engines"]:
            color, marker = style[e["engine"]]
            label = {"sim": "sim-query (search)", "hnswlib": "hnswlib Python bindings", "faiss": "faiss IndexHNSWFlat"}
            rec = [c["recall"] for c in e["curve"]]
            ax.plot(rec, [c["queries_per_second"] for c in e["curve"]], marker=marker, color=color,
                    label=label[e["engine"]])
            for c in e["curve"]:
                ax.annotate(str(c["ef"]), (c["recall"], c["queries_per_second"]), fontsize=6, color=color,
                            xytext=(3, 3), textcoords="offset points")
            if e["engine"] == "sim":
                ax.plot(rec, [c["process_queries_per_second"] for c in e["curve"]], marker=marker, color=color,
                        linestyle="--", alpha=0.5, label="sim-query (whole process)")
            if e.get("sim_graph_curve"):
                graph = e["sim_graph_curve"]
                ax.plot([c["recall"] for c in graph], [c["queries_per_second"] for c in graph], marker=marker,
                        color=color, linestyle=":", alpha=0.6, label="hnswlib Python bindings on sim's graph")
        ax.axvline(TARGET_RECALL, color="grey", linewidth=0.8, linestyle=":")
        ax.set_yscale("log")
        ax.set_xlabel(f"recall@{r['k']} (against sim-index --exact)")
        ax.set_ylabel("queries/s")
        ax.set_title(f"{r['name']}: {r['items']:,} x {r['dim']} {r['distance']}, {r['queries']:,} queries\n"
                     f"M {r['M']}, ef_construction {r['ef_construction']}, {r['threads']} threads; labels: ef",
                     fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "run" and len(sys.argv) == 13:
        name, base, queries, work, bindir = sys.argv[2:7]
        m, efc, threads, k = (int(v) for v in sys.argv[7:11])
        efs = [int(v) for v in sys.argv[11].split(",")]
        print(json.dumps(run_dataset(name, base, queries, work, bindir, m, efc, threads, k, efs, int(sys.argv[12]))))
    elif len(sys.argv) > 2 and sys.argv[1] == "report":
        args, plot = sys.argv[2:], None
        if "--plot" in args:
            i = args.index("--plot")
            plot, args = args[i + 1], args[:i] + args[i + 2:]
        results = []
        for path in args:
            with open(path) as f:
                results.append(json.load(f))
        report(results, plot)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
