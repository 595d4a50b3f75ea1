#!/usr/bin/env python3
"""Writes seeded embeddings files as sim-embed writes them (h5py, with sim's root attributes), for
the CLI tests that need many items quickly: unit vectors, labels cycling over classes a, b, c, d.

Usage: write_embeddings.py SEED DIM FILE:COUNT:ID_PREFIX...
One generator for all files, in the order given, so a file's content depends on those before it.
"""
import sys

import h5py
import numpy as np


def write(rng, path, n, dim, prefix):
    x = rng.normal(size=(n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    with h5py.File(path, "w") as f:
        f["embeddings"] = x
        f["labels"] = (np.arange(n) % 4).astype(np.int64)
        f["ids"] = np.array(["%s%d" % (prefix, i) for i in range(n)], dtype=h5py.string_dtype())
        f["classes"] = np.array(["a", "b", "c", "d"], dtype=h5py.string_dtype())
        for k, v in (("format", "sim-embeddings"), ("distance", "cosine"), ("model_fingerprint", "")):
            f.attrs[k] = v
        f.attrs["version"] = np.int64(1)
        f.attrs["dim"] = np.int64(dim)
        f.attrs["count"] = np.int64(n)


def main():
    rng = np.random.default_rng(int(sys.argv[1]))
    dim = int(sys.argv[2])
    for spec in sys.argv[3:]:
        path, n, prefix = spec.split(":")
        write(rng, path, int(n), dim, prefix)


if __name__ == "__main__":
    main()
