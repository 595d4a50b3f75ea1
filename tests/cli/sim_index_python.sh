#!/usr/bin/env bash
# The hnswlib file sim-index writes is the stock one: Debian's python3-hnswlib loads it unchanged
# (space and dimension from the sidecar, read with h5py) and returns the same neighbours as
# sim-query, for cosine, euclidean and inner product. Skipped (exit 77) without the Python modules.
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

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "ok: the hnswlib file loads in hnswlib's Python bindings with the same neighbours"
