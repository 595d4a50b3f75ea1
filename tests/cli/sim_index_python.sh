#!/usr/bin/env bash
# The hnswlib file sim-index writes is the stock one: Debian's python3-hnswlib loads it unchanged
# (space and dimension from the sidecar, read with h5py) and returns the same neighbours as
# sim-query, for cosine, euclidean and inner product; on one thread sim-index builds exactly the
# graph hnswlib's own addPoint builds. Skipped (exit 77) without the Python modules.
# Usage: sim_index_python.sh PATH/TO/sim-index PATH/TO/sim-query PATH/TO/make_embeddings
set -u
index="$1"
query="$2"
mk="$3"
py=/usr/bin/python3
if ! "$py" -c 'import hnswlib, h5py, numpy' 2>/dev/null; then
  echo "skip: python3-hnswlib, python3-h5py or python3-numpy is not installed (scripts/setup.sh installs them)"
  exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
failures=0

for distance in cosine euclidean inner_product; do
  "$mk" base.h5 --n 2000 --dim 24 --classes a,b,c,d,e,f,g,h --seed 1 --distance "$distance" --noise 0.3
  "$mk" q.h5 --n 100 --dim 24 --classes a,b,c,d,e,f,g,h --seed 2 --distance "$distance" --noise 0.3 --prefix q-
  "$index" -i base.h5 -o "$distance.idx" --threads 2 -q || { echo "FAIL: sim-index ($distance)"; exit 1; }
  "$query" "$distance.idx" -i q.h5 -k 10 -q >"$distance.tsv" || { echo "FAIL: sim-query ($distance)"; exit 1; }
  "$py" - "$distance.idx" q.h5 "$distance.tsv" "$distance" <<'EOF' || failures=$((failures + 1))
import math, os, sys
import h5py, hnswlib, numpy as np

sidecar, queries, tsv, distance = sys.argv[1:5]
side = h5py.File(sidecar, "r")
space, dim = side.attrs["hnsw_space"], int(side.attrs["dim"])
index = hnswlib.Index(space=space, dim=dim)
index.load_index(os.path.join(os.path.dirname(sidecar) or ".", side.attrs["hnsw_file"]))
index.set_ef(int(side.attrs["ef"]))
assert index.get_current_count() == int(side.attrs["count"]), "element count differs"
ids = list(side["ids"].asstr()[:])
with h5py.File(queries, "r") as q:
    vectors, qids = q["embeddings"][:], list(q["ids"].asstr()[:])
labels, dists = index.knn_query(vectors, k=10)

ours = {}
for line in open(tsv).read().splitlines()[1:]:
    qid, rank, nid, _, d = line.split("\t")
    ours.setdefault(qid, []).append((nid, float(d)))
same = total = 0
for i, qid in enumerate(qids):
    theirs = [ids[l] for l in labels[i]]
    mine = [n for n, _ in ours[qid]]
    same += len(set(theirs) & set(mine))
    total += len(mine)
    # Same distance semantics: hnswlib's l2 is squared, ours euclidean is the true distance.
    d0 = float(dists[i][0]) if distance != "euclidean" else math.sqrt(max(float(dists[i][0]), 0.0))
    if theirs[0] == mine[0] and abs(d0 - ours[qid][0][1]) > 1e-4 * max(1.0, abs(d0)):
        sys.exit(f"FAIL {distance}: {qid}: distance {ours[qid][0][1]} vs hnswlib's {d0}")
overlap = same / total
print(f"{distance}: hnswlib's Python bindings load the file; neighbour overlap with sim-query {overlap:.4f}")
if overlap < 0.99:
    sys.exit(f"FAIL {distance}: overlap {overlap}")
EOF
done

# sim inserts with its own code (HnswIndex: batched, prefetching searches), not hnswlib's addPoint:
# on one thread it must build exactly hnswlib's graph. The bindings build one from the same vectors
# with the same seed; every element's neighbours on every level must be the same labels. Integer
# coordinates make every distance exact, so no kernel's rounding can tell the two apart.
"$py" - <<'EOF' || failures=$((failures + 1))
import h5py, numpy as np
rng = np.random.default_rng(7)
centres = rng.integers(-20, 21, (12, 16))
vectors = (centres[rng.integers(0, 12, 3000)] + rng.integers(-6, 7, (3000, 16))).astype(np.float32)
with h5py.File("ints.h5", "w") as f:
    f["embeddings"] = vectors
    f["labels"] = np.full(len(vectors), -1, np.int64)
    f["ids"] = np.array([f"v{i}" for i in range(len(vectors))], dtype=h5py.string_dtype())
    f["classes"] = np.array([], dtype=h5py.string_dtype())
    f.attrs.update(format="sim-embeddings", version=1, distance="euclidean", dim=16, model_fingerprint="",
                   count=len(vectors))
np.save("ints.npy", vectors)
EOF
"$index" -i ints.h5 -o ints.idx --threads 1 --seed 100 -q || { echo "FAIL: sim-index (integer vectors)"; exit 1; }
"$py" - ints.idx.g1.hnsw ints.npy <<'EOF' || failures=$((failures + 1))
import struct, sys
import hnswlib, numpy as np

def graph(path):
    """{label: [sorted neighbour labels on level 0, on level 1, ...]} from a stock hnswlib file."""
    raw = open(path, "rb").read()
    n, size, label_at = struct.unpack_from("<QQQ", raw, 16)
    max_m = struct.unpack_from("<Q", raw, 56)[0]
    labels = [struct.unpack_from("<Q", raw, 96 + i * size + label_at)[0] for i in range(n)]
    lists = []
    for i in range(n):
        count = struct.unpack_from("<H", raw, 96 + i * size)[0]
        lists.append([struct.unpack_from(f"<{count}I", raw, 96 + i * size + 4)])
    at = 96 + n * size
    for i in range(n):
        nbytes = struct.unpack_from("<I", raw, at)[0]
        at += 4
        for level in range(nbytes // (4 * max_m + 4)):
            start = at + level * (4 * max_m + 4)
            count = struct.unpack_from("<H", raw, start)[0]
            lists[i].append(struct.unpack_from(f"<{count}I", raw, start + 4))
        at += nbytes
    return {labels[i]: [sorted(labels[j] for j in level) for level in lists[i]] for i in range(n)}

ours_path, vectors = sys.argv[1], np.load(sys.argv[2])
peer = hnswlib.Index(space="l2", dim=vectors.shape[1])
peer.init_index(max_elements=len(vectors), ef_construction=200, M=16, random_seed=100)
peer.add_items(vectors, np.arange(len(vectors)), num_threads=1)
peer.save_index("peer.hnsw")
ours, theirs = graph(ours_path), graph("peer.hnsw")
differ = [label for label in theirs if ours.get(label) != theirs[label]]
if len(ours) != len(theirs) or differ:
    sys.exit(f"FAIL: sim's one-thread graph differs from hnswlib's addPoint at {len(differ)} elements, e.g. {differ[:3]}")
print(f"sim's one-thread build is hnswlib's graph: {len(ours)} elements, "
      f"{sum(len(v) for v in ours.values()) - len(ours)} upper-level lists, every neighbour list equal")
EOF

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "ok: the hnswlib file loads in hnswlib's Python bindings with the same neighbours"
