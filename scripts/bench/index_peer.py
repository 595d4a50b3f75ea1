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
with the same M, ef_construction, threads and k as sim's side. Two commands, each one process, as
sim-index and sim-query are:

  index_peer.py build ENGINE BASE.h5 INDEX M EF_CONSTRUCTION THREADS
      Reads the items, times inserting them (items already in memory), saves the index to INDEX.
  index_peer.py query ENGINE INDEX QUERIES.h5 TRUTH.npy K EF THREADS
      Loads INDEX (for hnswlib also the stock hnswlib file sim-index writes, INDEX.gN.hnsw: the
      same graph for both programs), times one batch search of all the queries, and scores
      recall@K against TRUTH (positions of the exact K nearest neighbours, nq x K, int64 .npy).

Each prints one JSON line; peak_mib is the process's maximum resident set size (Python, the
libraries, the data in numpy and the index).
"""
import json
import resource
import sys
import time

import h5py
import numpy as np


def peak_mib():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def recall(found, truth):
    """Mean fraction of each query's true k neighbours among the k found (positions, nq x k)."""
    k = truth.shape[1]
    return float(np.mean([len(np.intersect1d(f[f >= 0], t)) / k for f, t in zip(found, truth)]))


def read(path):
    """(vectors as float32 n x dim, distance name) of a sim embeddings file."""
    with h5py.File(path, "r") as f:
        return np.ascontiguousarray(f["embeddings"][:], dtype=np.float32), f.attrs["distance"]


class Hnswlib:
    def __init__(self, distance, dim, threads):
        import hnswlib
        self.index = hnswlib.Index(space="cosine" if distance == "cosine" else "l2", dim=dim)
        self.threads = threads

    def build(self, items, m, ef_construction):
        self.index.init_index(max_elements=len(items), M=m, ef_construction=ef_construction)
        self.index.add_items(items, np.arange(len(items)), num_threads=self.threads)

    def save(self, path):
        self.index.save_index(path)

    def load(self, path):
        self.index.load_index(path)

    def search(self, queries, k, ef):
        self.index.set_ef(ef)
        return self.index.knn_query(queries, k=k, num_threads=self.threads)[0]


class Faiss:
    def __init__(self, distance, dim, threads):
        import faiss
        self.faiss, self.dim = faiss, dim
        self.cosine = distance == "cosine"
        self.index = None
        faiss.omp_set_num_threads(threads)

    def prepared(self, x):
        if not self.cosine:
            return x
        x = x.copy()
        self.faiss.normalize_L2(x)
        return x

    def build(self, items, m, ef_construction):
        metric = self.faiss.METRIC_INNER_PRODUCT if self.cosine else self.faiss.METRIC_L2
        self.index = self.faiss.IndexHNSWFlat(self.dim, m, metric)
        self.index.hnsw.efConstruction = ef_construction
        self.index.add(self.prepared(items))

    def save(self, path):
        self.faiss.write_index(self.index, path)

    def load(self, path):
        self.index = self.faiss.read_index(path)

    def search(self, queries, k, ef):
        self.index.hnsw.efSearch = ef
        return self.index.search(self.prepared(queries), k)[1]


ENGINES = {"hnswlib": Hnswlib, "faiss": Faiss}


def build(engine, base, index_path, m, ef_construction, threads):
    start = time.perf_counter()
    items, distance = read(base)
    load_seconds = time.perf_counter() - start
    index = ENGINES[engine](distance, items.shape[1], threads)
    start = time.perf_counter()
    index.build(items, m, ef_construction)
    seconds = time.perf_counter() - start
    index.save(index_path)
    return {"engine": engine, "items": len(items), "load_seconds": round(load_seconds, 3),
            "build_seconds": round(seconds, 3), "build_peak_mib": peak_mib()}


def query(engine, index_path, queries_path, truth_path, k, ef, threads):
    queries, distance = read(queries_path)
    truth = np.load(truth_path)[:, :k]
    index = ENGINES[engine](distance, queries.shape[1], threads)
    index.load(index_path)
    start = time.perf_counter()
    found = index.search(queries, k, ef)
    seconds = time.perf_counter() - start
    return {"engine": engine, "ef": ef, "recall": round(recall(np.asarray(found, dtype=np.int64), truth), 5),
            "seconds": round(seconds, 4), "queries_per_second": round(len(queries) / seconds, 1),
            "peak_mib": peak_mib()}


def main():
    if len(sys.argv) == 8 and sys.argv[1] == "build":
        _, _, engine, base, index_path, m, ef_construction, threads = sys.argv
        result = build(engine, base, index_path, int(m), int(ef_construction), int(threads))
    elif len(sys.argv) == 9 and sys.argv[1] == "query":
        _, _, engine, index_path, queries, truth, k, ef, threads = sys.argv
        result = query(engine, index_path, queries, truth, int(k), int(ef), int(threads))
    else:
        sys.exit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
