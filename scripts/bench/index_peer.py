#!/usr/bin/python3
"""The peers of scripts/bench/index.sh: what a Python user runs to build an HNSW index of the same
embeddings and search it with the same queries. ENGINE is one of
  hnswlib  Debian's python3-hnswlib (hnswlib 0.6.2's own bindings, compiled SSE-only): space
           "cosine" (the bindings normalise copies of items and queries, as sim does) or "l2";
           init_index(N, M, ef_construction), add_items(..., num_threads), set_ef(ef),
           knn_query(..., k, num_threads)
  faiss    Debian's python3-faiss: IndexHNSWFlat(dim, M, metric) with hnsw.efConstruction and
           hnsw.efSearch, faiss.omp_set_num_threads(threads); cosine is inner product over
           L2-normalised copies (normalising is inside the timed regions, as it is for sim and
           hnswlib), euclidean is METRIC_L2
with the same M, ef_construction, threads and k as sim's side. Times the build (inserting items
already in memory) and, for each ef, one batch search of all the queries (best of REPEATS runs);
recall@k against TRUTH (positions of the exact k nearest neighbours, nq x k, int64 .npy).
Prints one JSON line; peak_mib is this process's maximum resident set size (Python, the libraries,
the items in numpy and the index).

With SIM_GRAPH (hnswlib only: the stock hnswlib file sim-index wrote, INDEX.gN.hnsw), the bindings
also load sim's own graph and search it at the same efs ("sim_graph_curve"): the same graph
searched by both programs, so that any difference is the search code, not the graph.

    index_peer.py ENGINE BASE.h5 QUERIES.h5 TRUTH.npy M EF_CONSTRUCTION THREADS K EF[,EF...] [REPEATS [SIM_GRAPH]]
"""
import json
import resource
import sys
import time

import h5py
import numpy as np


def recall(found, truth):
    """Mean fraction of each query's true k neighbours among the k found (positions, nq x k)."""
    k = truth.shape[1]
    return float(np.mean([len(np.intersect1d(f[f >= 0], t)) / k for f, t in zip(found, truth)]))


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Hnswlib:
    def __init__(self, distance, dim, m, ef_construction, threads):
        import hnswlib
        self.index = hnswlib.Index(space="cosine" if distance == "cosine" else "l2", dim=dim)
        self.m, self.ef_construction, self.threads = m, ef_construction, threads

    def build(self, items):
        self.index.init_index(max_elements=len(items), M=self.m, ef_construction=self.ef_construction)
        self.index.add_items(items, np.arange(len(items)), num_threads=self.threads)

    def load(self, path, count):
        self.index.load_index(path, max_elements=count)

    def search(self, queries, k, ef):
        self.index.set_ef(ef)
        return self.index.knn_query(queries, k=k, num_threads=self.threads)[0]


class Faiss:
    def __init__(self, distance, dim, m, ef_construction, threads):
        import faiss
        self.faiss = faiss
        self.cosine = distance == "cosine"
        self.index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT if self.cosine else faiss.METRIC_L2)
        self.index.hnsw.efConstruction = ef_construction
        faiss.omp_set_num_threads(threads)

    def prepared(self, x):
        if not self.cosine:
            return x
        x = x.copy()
        self.faiss.normalize_L2(x)
        return x

    def build(self, items):
        self.index.add(self.prepared(items))

    def search(self, queries, k, ef):
        self.index.hnsw.efSearch = ef
        return self.index.search(self.prepared(queries), k)[1]


def curve(index, queries, truth, k, efs, repeats):
    """Recall and queries/s (best of `repeats` batch searches) at each ef, up to recall 0.999."""
    points = []
    for ef in efs:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            found = index.search(queries, k, ef)
            best = min(best, time.perf_counter() - start)
        r = recall(np.asarray(found, dtype=np.int64), truth)
        points.append({"ef": ef, "recall": round(r, 5), "seconds": round(best, 4),
                       "queries_per_second": round(len(queries) / best, 1)})
        if r >= 0.999:  # saturated: larger ef only costs time
            break
    return points


def main():
    engine, base, queries_path, truth_path = sys.argv[1:5]
    m, ef_construction, threads, k = (int(v) for v in sys.argv[5:9])
    efs = [int(v) for v in sys.argv[9].split(",")]
    repeats = int(sys.argv[10]) if len(sys.argv) > 10 else 1
    sim_graph = sys.argv[11] if len(sys.argv) > 11 else None

    start = time.perf_counter()
    with h5py.File(base, "r") as f:
        items = np.ascontiguousarray(f["embeddings"][:], dtype=np.float32)
        distance = f.attrs["distance"]
    with h5py.File(queries_path, "r") as f:
        queries = np.ascontiguousarray(f["embeddings"][:], dtype=np.float32)
    truth = np.load(truth_path)[:, :k]
    load_seconds = time.perf_counter() - start

    engines = {"hnswlib": Hnswlib, "faiss": Faiss}
    index = engines[engine](distance, items.shape[1], m, ef_construction, threads)
    start = time.perf_counter()
    index.build(items)
    build_seconds = time.perf_counter() - start
    build_peak = peak_mib()
    result = {"engine": engine, "distance": distance, "items": len(items), "queries": len(queries),
              "dim": items.shape[1], "M": m, "ef_construction": ef_construction, "threads": threads, "k": k,
              "load_seconds": round(load_seconds, 3), "build_seconds": round(build_seconds, 3),
              "build_peak_mib": round(build_peak), "curve": curve(index, queries, truth, k, efs, repeats)}
    result["peak_mib"] = round(peak_mib())
    if sim_graph:
        del index
        theirs = engines[engine](distance, items.shape[1], m, ef_construction, threads)
        theirs.load(sim_graph, len(items))
        result["sim_graph_curve"] = curve(theirs, queries, truth, k, efs, repeats)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
