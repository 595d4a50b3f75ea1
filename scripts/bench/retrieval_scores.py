"""Test-vs-train retrieval on Fashion-MNIST, for the quality benchmarks: the 10k test items query
the 60k train items by exact search, scored by precision@1 and MAP@R (Musgrave et al. 2020; R = the
query's class size in the index). Plain numpy on sim-embed's HDF5 files (h5py)."""
import h5py
import numpy as np

from fashion_idx import read_idx


def scores(queries, q_labels, index, i_labels, similarity):
    """P@1 and MAP@R of every query against the index by exact search (no self-match: disjoint sets)."""
    counts = np.bincount(i_labels)
    r_max = counts.max()
    p1 = mapr = 0.0
    for first in range(0, len(queries), 250):
        s = similarity(queries[first:first + 250], index)
        top = np.argpartition(-s, r_max - 1, axis=1)[:, :r_max]
        order = np.take_along_axis(s, top, axis=1).argsort(axis=1)[:, ::-1]
        ranked = i_labels[np.take_along_axis(top, order, axis=1)]
        for q, row in enumerate(ranked):
            label = q_labels[first + q]
            r = counts[label]
            rel = row[:r] == label
            p1 += rel[0]
            mapr += (np.cumsum(rel) / np.arange(1, r + 1) * rel).sum() / r
    return p1 / len(queries), mapr / len(queries)


def embedding_scores(train_h5, test_h5):
    """Scores of sim-embed's L2-normalised embeddings of the test split against the train split."""
    train, test = h5py.File(train_h5), h5py.File(test_h5)
    cosine = lambda a, b: a @ b.T  # larger is closer
    return scores(test["embeddings"][:], test["labels"][:], train["embeddings"][:], train["labels"][:], cosine)


def raw_pixel_scores(data):
    """The peer: nearest neighbour by euclidean distance on the 784 raw pixels."""
    xtr = read_idx(f"{data}/train-images-idx3-ubyte.gz").reshape(60000, -1).astype(np.float32) / 255
    xte = read_idx(f"{data}/t10k-images-idx3-ubyte.gz").reshape(10000, -1).astype(np.float32) / 255
    ytr = read_idx(f"{data}/train-labels-idx1-ubyte.gz").astype(np.int64)
    yte = read_idx(f"{data}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    sq = (xtr ** 2).sum(1)
    neg_l2 = lambda a, b: 2 * a @ b.T - sq[None, :]  # -|a-b|^2 up to a per-query constant
    return scores(xte, yte, xtr, ytr, neg_l2)
