#!/usr/bin/python3
"""The PyTorch side of scripts/bench/data.sh: what a PyTorch user runs to get the same batches.

Loads the Fashion-MNIST train split from its gzipped IDX files (gzip + numpy, as torchvision
does), then draws class-balanced P x K batches with a sampler written like pytorch-metric-learning's
MPerClassSampler, through torch.utils.data.DataLoader, as float tensors in [0, 1].
Prints one JSON line with the same fields as `sim-train --dry-run`.
"""
import json
import sys
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from fashion_idx import read_idx  # beside this script


class BalancedBatchSampler:
    """P classes x K items per batch, each class's items drawn from a shuffled pool."""

    def __init__(self, labels, classes_per_batch, examples_per_class, batches, seed):
        self.rng = np.random.default_rng(seed)
        self.by_class = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        self.p, self.k, self.batches = classes_per_batch, examples_per_class, batches

    def __len__(self):
        return self.batches

    def __iter__(self):
        for _ in range(self.batches):
            classes = self.rng.choice(len(self.by_class), self.p, replace=False)
            yield np.concatenate([self.rng.choice(self.by_class[c], self.k, replace=False) for c in classes]).tolist()


def main():
    root, batches, p, k, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    start = time.perf_counter()
    images = torch.from_numpy(read_idx(f"{root}/train-images-idx3-ubyte.gz").copy())
    labels = read_idx(f"{root}/train-labels-idx1-ubyte.gz")
    open_seconds = time.perf_counter() - start

    dataset = TensorDataset(images, torch.from_numpy(labels.astype(np.int64)))
    sampler = BalancedBatchSampler(labels, p, k, batches, seed=0)
    loader = DataLoader(dataset, batch_sampler=sampler, num_workers=0)
    start = time.perf_counter()
    for x, y in loader:
        x = x.unsqueeze(1).float().div(255)  # N x 1 x 28 x 28 in [0, 1], as sim loads them
    seconds = time.perf_counter() - start
    print(json.dumps({"open_seconds": round(open_seconds, 3), "train_items": len(labels), "batch_size": p * k,
                      "batches": batches, "sample_seconds": round(seconds, 3),
                      "batches_per_second": round(batches / seconds, 1),
                      "items_per_second": round(batches * p * k / seconds)}))


if __name__ == "__main__":
    main()
