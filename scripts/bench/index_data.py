#!/usr/bin/python3
"""Seeded synthetic embeddings for scripts/bench/index.sh, in sim's embeddings format
(libsim/formats/embeddings.hpp: `embeddings` float32 [N x D], `labels` int64, `ids` and `classes`
UTF-8 strings, root attributes format/version/distance/dim/model_fingerprint, `count` last).

Items and queries are drawn around the same CLUSTERS centres, as learned embeddings are: centres
N(0, I), each point a centre plus noise whose per-direction spread decays (std 0.6 / sqrt(j + 1)
along the j-th of D random orthogonal directions), so most of a cluster's variance lies in a few
directions, like a trained embedding space and unlike isotropic noise. A point's label is its
cluster. Queries use a separate random stream, so they are new points of the same distribution.

    index_data.py BASE.h5 QUERIES.h5 [--n 1000000] [--queries 10000] [--dim 64] [--clusters 1000]
                  [--seed 0] [--distance euclidean]
"""
import argparse

import h5py
import numpy as np


def clustered(rng, centres, basis, spread, n, batch=100000):
    """n points: a uniformly chosen centre plus noise along `basis` rows scaled by `spread`."""
    labels = rng.integers(0, len(centres), n)
    out = np.empty((n, centres.shape[1]), dtype=np.float32)
    for first in range(0, n, batch):
        last = min(n, first + batch)
        noise = rng.standard_normal((last - first, len(spread)), dtype=np.float32) * spread
        out[first:last] = centres[labels[first:last]] + noise @ basis
    return out, labels.astype(np.int64)


def write(path, vectors, labels, prefix, classes, distance, fingerprint):
    n, dim = vectors.shape
    text = h5py.string_dtype("utf-8")
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "sim-embeddings"
        f.attrs["version"] = np.int64(1)
        f.attrs["distance"] = distance
        f.attrs["dim"] = np.int64(dim)
        f.attrs["model_fingerprint"] = fingerprint
        f.create_dataset("embeddings", data=vectors, chunks=(min(n, 4096), dim), maxshape=(None, dim))
        f.create_dataset("labels", data=labels)
        width = len(str(n - 1))
        f.create_dataset("ids", data=np.array([f"{prefix}{i:0{width}d}" for i in range(n)], dtype=object), dtype=text)
        f.create_dataset("classes", data=np.array(classes, dtype=object), dtype=text)
        f.attrs["count"] = np.int64(n)  # the trailer, last


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("base")
    p.add_argument("queries")
    p.add_argument("--n", type=int, default=1000000)
    p.add_argument("--queries", dest="nq", type=int, default=10000)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--clusters", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--distance", default="euclidean")
    a = p.parse_args()

    world = np.random.default_rng([a.seed, 0])
    centres = world.standard_normal((a.clusters, a.dim), dtype=np.float32)
    basis, _ = np.linalg.qr(world.standard_normal((a.dim, a.dim)))
    basis = basis.T.astype(np.float32)  # rows: orthonormal directions
    spread = (0.6 / np.sqrt(np.arange(1, a.dim + 1))).astype(np.float32)
    classes = [f"c{c:0{len(str(a.clusters - 1))}d}" for c in range(a.clusters)]
    fingerprint = f"synthetic-{a.clusters}c-{a.dim}d-seed{a.seed}"

    base, base_labels = clustered(np.random.default_rng([a.seed, 1]), centres, basis, spread, a.n)
    write(a.base, base, base_labels, "s", classes, a.distance, fingerprint)
    queries, query_labels = clustered(np.random.default_rng([a.seed, 2]), centres, basis, spread, a.nq)
    write(a.queries, queries, query_labels, "q", classes, a.distance, fingerprint)


if __name__ == "__main__":
    main()
