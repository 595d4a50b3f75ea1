#!/usr/bin/python3
"""The PyTorch side of scripts/bench/train.sh: TF Similarity's hello-world network (Conv 64 3x3 ->
ReLU -> Dense 64 -> ReLU, then sim's embedding head: Dense 64 + L2 normalisation) trained with the
Multi-Similarity loss (Wang et al. 2019: alpha 2, beta 50, base 0.5, mining epsilon 0.1, as sim's
default) and Adam, on class-balanced P x K batches of Fashion-MNIST, same threads.
Prints one JSON line: images/s over all the steps (as sim-train counts them: no warm-up excluded),
and where the time went.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fashion_idx import read_idx  # beside this script


def multi_similarity(e, y, alpha=2.0, beta=50.0, base=0.5, eps=0.1):
    s = e @ e.t()
    same = y[:, None] == y[None, :]
    pos = same & ~torch.eye(len(y), dtype=torch.bool)
    neg = ~same
    hardest_neg = torch.where(neg, s, torch.full_like(s, -1e9)).max(1, keepdim=True).values
    hardest_pos = torch.where(pos, s, torch.full_like(s, 1e9)).min(1, keepdim=True).values
    pos_kept = pos & (s - eps < hardest_neg)
    neg_kept = neg & (s + eps > hardest_pos)
    pos_term = torch.log1p((torch.exp(-alpha * (s - base)) * pos_kept).sum(1)) / alpha
    neg_term = torch.log1p((torch.exp(beta * (s - base)) * neg_kept).sum(1)) / beta
    return (pos_term + neg_term).mean()


def main():
    root, steps, p, k, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    images = torch.from_numpy(read_idx(f"{root}/train-images-idx3-ubyte.gz").copy())
    labels = read_idx(f"{root}/train-labels-idx1-ubyte.gz").astype(np.int64)
    by_class = [np.flatnonzero(labels == c) for c in range(10)]
    net = nn.Sequential(nn.Conv2d(1, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 26 * 26, 64), nn.ReLU(),
                        nn.Linear(64, 64))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    rng = np.random.default_rng(0)
    times = {"data": 0.0, "forward": 0.0, "loss": 0.0, "backward": 0.0}
    start = time.perf_counter()
    for _ in range(steps):
        t = time.perf_counter()
        classes = rng.choice(10, p, replace=False)
        idx = np.concatenate([rng.choice(by_class[c], k, replace=False) for c in classes])
        x = images[idx].unsqueeze(1).float().div(255)
        y = torch.from_numpy(labels[idx])
        times["data"] += time.perf_counter() - t
        t = time.perf_counter()
        e = F.normalize(net((x - 0.286) / 0.353), dim=1)
        times["forward"] += time.perf_counter() - t
        t = time.perf_counter()
        loss = multi_similarity(e, y)
        times["loss"] += time.perf_counter() - t
        t = time.perf_counter()
        opt.zero_grad()
        loss.backward()
        opt.step()
        times["backward"] += time.perf_counter() - t
    seconds = time.perf_counter() - start
    print(json.dumps({"steps": steps, "batch_size": p * k, "seconds": round(seconds, 2),
                      "images_per_second": round(steps * p * k / seconds),
                      **{k_ + "_s": round(v, 2) for k_, v in times.items()}}))


if __name__ == "__main__":
    main()
