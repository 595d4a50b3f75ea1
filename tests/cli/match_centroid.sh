#!/usr/bin/env bash
# --match centroid through the real programs: sim-query's decisions and distances equal a numpy
# nearest-centroid computed here from the embeddings files (the index's live, labelled items; each
# row and each mean normalised for cosine), on an HNSW and an exact index, after `sim-index add` (a
# class of five examples and one of a single item) and `delete` (every item of a class); sim-eval's
# match accuracy equals numpy's; calibration for centroid is written and used, and serves only the
# rule it was calibrated for; and bad input (an index without labels) exits 1 naming the index.
# Usage: match_centroid.sh BIN_DIR(with sim-index, sim-query, sim-eval) make_embeddings
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(cd "$1" && pwd)"
mk="$(realpath "$2")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
py=/usr/bin/python3
index="$bin/sim-index"
query="$bin/sim-query"
eval_="$bin/sim-eval"
$py -c "import numpy, h5py" || { echo "FAIL: python3-numpy and python3-h5py are test packages (scripts/setup.sh)" >&2; exit 1; }

# Noisy classes, so that the nearest item and the nearest centroid often disagree.
"$mk" ref.h5 --n 300 --dim 16 --classes ant,bee,cat,dog --seed 1 --prefix ref- --noise 1.2
"$mk" owl.h5 --n 5 --dim 16 --classes owl --seed 2 --prefix owl- --noise 1.2
"$mk" eel.h5 --n 1 --dim 16 --classes eel --seed 3 --prefix eel- --noise 1.2
"$mk" q.h5 --n 200 --dim 16 --classes ant,bee,cat,dog,owl,eel --seed 4 --prefix q- --noise 1.2
"$mk" bare.h5 --n 20 --dim 16 --classes "" --seed 5 --prefix bare-
for kind in hnsw exact; do
  flags=()
  [[ $kind == exact ]] && flags=(--exact)
  "$index" -i ref.h5 -o $kind.idx "${flags[@]}" -q && "$index" add $kind.idx -i owl.h5 -q &&
    "$index" add $kind.idx -i eel.h5 -q || { echo "FAIL: building $kind.idx" >&2; exit 1; }
done
# Every dog leaves the index: a class with no live item, which centroid can never answer.
dogs=$($py -c "
import h5py
f = h5py.File('ref.h5', 'r')
classes = [c.decode() if isinstance(c, bytes) else c for c in f['classes'][:]]
ids = [i.decode() if isinstance(i, bytes) else i for i in f['ids'][:]]
print(' '.join(i for i, l in zip(ids, f['labels'][:]) if classes[l] == 'dog'))")
for kind in hnsw exact; do
  # shellcheck disable=SC2086
  "$index" delete $kind.idx $dogs -q || fail "sim-index delete of the dogs from $kind.idx"
done
expect 0 "of 6 classes have live items" "$index" info hnsw.idx

# The reference answers: numpy over the embeddings files the index was built from, dogs left out.
$py - <<'PY' || fail "could not compute the numpy reference"
import json
import h5py, numpy as np
rows, names = [], []
for path in ["ref.h5", "owl.h5", "eel.h5"]:
    f = h5py.File(path, "r")
    classes = [c.decode() if isinstance(c, bytes) else c for c in f["classes"][:]]
    rows.append(f["embeddings"][:].astype(np.float64))
    names += [classes[l] for l in f["labels"][:]]
x = np.concatenate(rows)
x /= np.linalg.norm(x, axis=1, keepdims=True)
names = np.array(names)
live = names != "dog"
kept = sorted(set(names[live]))
means = np.stack([x[live & (names == c)].mean(axis=0) for c in kept])
means /= np.linalg.norm(means, axis=1, keepdims=True)
q = h5py.File("q.h5", "r")
qclasses = [c.decode() if isinstance(c, bytes) else c for c in q["classes"][:]]
qx = q["embeddings"][:].astype(np.float64)
qx /= np.linalg.norm(qx, axis=1, keepdims=True)
d = 1 - qx @ means.T
best = d.argmin(axis=1)
ids = [i.decode() if isinstance(i, bytes) else i for i in q["ids"][:]]
truth = [qclasses[l] for l in q["labels"][:]]
answers = {i: [kept[b], float(d[n, b])] for n, (i, b) in enumerate(zip(ids, best))}
accuracy = float(np.mean([kept[b] == t for b, t in zip(best, truth)]))
json.dump({"answers": answers, "accuracy": accuracy}, open("numpy.json", "w"))
PY

for kind in hnsw exact; do
  expect 0 "" "$query" $kind.idx -i q.h5 -k 3 --match centroid --format jsonl
  mv out $kind.jsonl
  $py - $kind.jsonl <<'PY' || fail "$kind.idx: sim-query --match centroid disagrees with numpy (above)"
import json, sys
want = json.load(open("numpy.json"))["answers"]
got = [json.loads(line) for line in open(sys.argv[1])]
assert len(got) == len(want), (len(got), len(want))
bad = [(g["query"], g["match"], want[g["query"]][0]) for g in got if g["match"] != want[g["query"]][0]]
assert not bad, bad[:5]
far = [(g["query"], g["match_distance"], want[g["query"]][1]) for g in got
       if abs(g["match_distance"] - want[g["query"]][1]) > 1e-5]
assert not far, far[:5]
assert all(len(g["neighbours"]) == 3 for g in got), "the neighbours are still listed"
matched = {g["match"] for g in got}
assert "dog" not in matched and {"owl", "eel"} <= matched, matched
PY
done
grep -q "no calibration yet" err || fail "--match centroid without calibration does not say so: $(cat err)"
# The nearest item answers differently often enough that this test can tell the rules apart.
expect 0 "" "$query" exact.idx -i q.h5 -k 1 --match nearest --format jsonl
$py - out <<'PY' || fail "nearest and centroid agree on every query: the test data cannot tell them apart"
import json, sys
want = json.load(open("numpy.json"))["answers"]
differ = sum(json.loads(line)["match"] != want[json.loads(line)["query"]][0] for line in open(sys.argv[1]))
assert differ >= 5, differ
PY

# sim-eval: its match accuracy is numpy's share of right answers.
expect 0 "nearest class prototype" "$eval_" exact.idx -i q.h5 --match centroid --json centroid.json
$py - <<'PY' || fail "sim-eval --match centroid's match_accuracy is not numpy's"
import json
got = json.load(open("centroid.json"))
want = json.load(open("numpy.json"))["accuracy"]
assert got["match"] == "centroid", got["match"]
assert abs(got["match_accuracy"] - want) < 1e-9, (got["match_accuracy"], want)
PY

# Calibration for centroid: stored with its rule, used by --match centroid, not by --match nearest.
expect 0 "" "$eval_" exact.idx -i q.h5 --match centroid --write -q
expect 0 "for --match centroid" "$index" info exact.idx
expect 0 "" "$query" exact.idx -i q.h5 -k 1 --match centroid
grep -q "calibration" err && fail "--match centroid after calibrating for it still warns: $(cat err)"
expect 0 "" "$query" exact.idx -i q.h5 -k 1 --match nearest
grep -qF "calibrated for --match centroid" err || fail "--match nearest does not say the thresholds are centroid's: $(cat err)"

# --- Bad input ---------------------------------------------------------------------------------
"$index" -i bare.h5 -o bare.idx -q || fail "building an unlabelled index"
expect 1 "bare.idx: labels: no item is labelled" "$query" bare.idx -i bare.h5 --match centroid
expect 1 "bare.idx: labels: no item is labelled" "$eval_" bare.idx -i q.h5 --match centroid
expect 2 "--match" "$query" exact.idx -i q.h5 --match centre
finish
