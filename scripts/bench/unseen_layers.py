#!/usr/bin/python3
"""Where a small_cnn model loses what tells unseen classes apart.

Rebuilds the network of a sim model file (--arch small_cnn) in PyTorch from its weights, takes the
Fashion-MNIST images' features at four depths (the last conv block pooled and flattened, the 256-unit
layer, the embedding head), and scores each as scripts/bench/unseen_classes.sh does with
`sim-eval --shots`: classes 5 and 8 (never trained on) onboarded from 1, 5 and 20 test images each
(5 draws), seen classes from all their training images; every other test image answered by its
nearest class mean (cosine); the share of right answers for unseen and seen classes.

    /usr/bin/python3 scripts/bench/unseen_layers.py out/unseen-classes/baseline/model.sim
"""
import gzip
import io
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
UNSEEN = [5, 8]


def weights(path):
    b = open(path, "rb").read()
    assert b[:8] == b"SIMMODEL", f"{path}: not a sim model"
    sections, at = {}, 12
    while True:
        tag = b[at:at + 4].decode()
        n, = struct.unpack_from("<Q", b, at + 4)
        if tag == "END ":
            break
        sections[tag] = b[at + 12:at + 12 + n]
        at += 12 + n
    arch = json.loads(sections["HEAD"])["architecture"]["arch"]
    assert arch == "small_cnn", f"{path}: --arch {arch}; this probe knows small_cnn only"
    return torch.jit.load(io.BytesIO(sections["WGHT"])).state_dict()


def features(sd, x):
    def bn(t, p):
        return F.batch_norm(t, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"],
                            sd[p + ".bias"], False, 0, 1e-5)
    out = {}
    x = (x - sd["mean"]) * sd["inv_std"]
    for conv, norm in (("trunk.0", "trunk.1"), ("trunk.4", "trunk.5"), ("trunk.8", "trunk.9")):
        x = F.max_pool2d(F.relu(bn(F.conv2d(x, sd[conv + ".weight"], padding=1), norm)), 2)
    out["conv3 pooled"] = x.mean((2, 3))
    out["conv3 flat"] = x.flatten(1)
    h = F.relu(bn(F.linear(x.flatten(1), sd["trunk.13.weight"], sd["trunk.13.bias"]), "trunk.14"))
    out["fc256"] = h
    out["embedding"] = F.linear(h, sd["head.weight"], sd["head.bias"])
    return out


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        b = f.read()
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(b[3])]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * b[3]).reshape(dims)


def layer_features(sd, images):
    x = torch.tensor(images.astype(np.float32) / 255).unsqueeze(1)
    with torch.no_grad():
        parts = [features(sd, x[i:i + 2000]) for i in range(0, len(x), 2000)]
    return {k: torch.cat([p[k] for p in parts]).numpy().astype(np.float64) for k in parts[0]}


def unit(a):
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)


def main():
    sd = weights(sys.argv[1])
    train_y, test_y = idx("train-labels-idx1-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz")
    train = layer_features(sd, idx("train-images-idx3-ubyte.gz"))
    test = layer_features(sd, idx("t10k-images-idx3-ubyte.gz"))
    seen = [c for c in range(10) if c not in UNSEEN]
    for layer in train:
        x, q = unit(train[layer]), unit(test[layer])
        rng = np.random.default_rng(0)
        cells = []
        for shots in (1, 5, 20):
            unseen_right, seen_right = [], []
            for _ in range(5):
                means = {c: x[train_y == c].mean(0) for c in seen}
                examples = set()
                for c in UNSEEN:
                    drawn = rng.permutation(np.where(test_y == c)[0])[:shots]
                    examples |= set(drawn.tolist())
                    means[c] = q[drawn].mean(0)
                names = sorted(means)
                protos = unit(np.stack([means[c] for c in names]))
                keep = np.array([i not in examples for i in range(len(test_y))])
                answer = np.array(names)[np.argmax(q[keep] @ protos.T, axis=1)]
                truth = test_y[keep]
                u = np.isin(truth, UNSEEN)
                unseen_right.append((answer[u] == truth[u]).mean())
                seen_right.append((answer[~u] == truth[~u]).mean())
            cells.append(f"{shots}-shot unseen {np.mean(unseen_right):.3f} seen {np.mean(seen_right):.3f}")
        print(f"{layer:13s} ({train[layer].shape[1]:4d}-d)  " + " | ".join(cells))


if __name__ == "__main__":
    main()
