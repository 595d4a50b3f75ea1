#!/usr/bin/python3
"""The PyTorch side of scripts/bench/embed.sh: sim's default network (small_cnn + embedding head,
as built by libsim/model/arch.cpp) written in PyTorch, run over the 70k Fashion-MNIST images in
batches of 256 under torch.inference_mode with the same threads. Weights are left at their
initial values: throughput does not depend on them. Prints one JSON line.
"""
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fashion_idx import read_idx  # beside this script


def block(i, o):
    return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]


def main():
    root, threads, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    start = time.perf_counter()
    images = np.concatenate([read_idx(f"{root}/train-images-idx3-ubyte.gz"), read_idx(f"{root}/t10k-images-idx3-ubyte.gz")])
    net = nn.Sequential(*block(1, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2), *block(64, 128),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128 * 3 * 3, 256), nn.BatchNorm1d(256), nn.ReLU(),
                        nn.Linear(256, 64)).eval()
    mean, std = 0.286, 0.353
    out = np.empty((len(images), 64), dtype=np.float32)
    with torch.inference_mode():
        for first in range(0, len(images), batch):
            x = torch.from_numpy(images[first:first + batch]).unsqueeze(1).float().div(255)
            out[first:first + batch] = F.normalize(net((x - mean) / std), dim=1).numpy()
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"images": len(images), "seconds": round(seconds, 2),
                      "images_per_second": round(len(images) / seconds), "peak_mib": round(peak_mib)}))


if __name__ == "__main__":
    main()
