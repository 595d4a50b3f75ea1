#!/usr/bin/env bash
# Embeddings written by other tools go through sim-index, sim-query, sim-eval and sim-info as
# sim-embed's do: the same seeded vectors are saved as sim embeddings (h5py with sim's attributes,
# ids and class names set to what sim assumes for the others), as .npy files (float32 C order and
# float64 Fortran order, labels as a .npy of integers or as text), as HDF5 with `embeddings` and
# `labels` only, and as a `features` vector file; every route gives the same neighbours, byte for
# byte, and the same sim-eval figures. Class names come from a text labels file; ids from --ids;
# labels from STEM.labels.npy beside STEM.npy when no --labels is given.
# Bad input exits 1 naming the file (strings, objects, 3-D, truncated, a header that lies about
# its shape, labels of the wrong length); --labels for a file with its own labels exits 2.
# Usage: foreign_embeddings.sh BIN_DIR(with sim-index, sim-query, sim-eval, sim-info)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(cd "$1" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
py=/usr/bin/python3
index="$bin/sim-index"
query="$bin/sim-query"
eval_="$bin/sim-eval"
info="$bin/sim-info"
$py -c "import numpy, h5py" || { echo "FAIL: python3-numpy and python3-h5py are test packages (scripts/setup.sh)" >&2; exit 1; }

$py - <<'EOF'
import h5py
import numpy as np

rng = np.random.default_rng(7)
centres = rng.normal(size=(5, 16)) * 2
def draw(n):
    y = rng.integers(0, 5, n)
    return (centres[y] + rng.normal(size=(n, 16))).astype(np.float32), y

def sim_file(path, x, y, ids):
    with h5py.File(path, "w") as f:
        f["embeddings"] = x
        f["labels"] = y.astype(np.int64)
        f["ids"] = np.array(ids, dtype=h5py.string_dtype())
        f["classes"] = np.array([str(c) for c in range(5)], dtype=h5py.string_dtype())
        for k, v in (("format", "sim-embeddings"), ("distance", "cosine"), ("model_fingerprint", "")):
            f.attrs[k] = v
        f.attrs["version"] = np.int64(1)
        f.attrs["dim"] = np.int64(x.shape[1])
        f.attrs["count"] = np.int64(len(x))

items, item_labels = draw(400)
queries, query_labels = draw(80)
item_labels[3] = -1  # one unlabelled item
sim_file("items.h5", items, item_labels, ["items.npy#%d" % r for r in range(400)])
sim_file("q.h5", queries, query_labels, ["q.npy#%d" % r for r in range(80)])
np.save("items.npy", items)
np.save("items.labels.npy", item_labels.astype(np.int32))
np.save("q.npy", np.asfortranarray(queries.astype(np.float64)))
np.savetxt("q.labels.txt", query_labels, fmt="%d")
names = np.array(["ant", "bee", "cat", "dog", "eel"])  # sorted: label c is names[c]
with open("q.names.txt", "w") as f:
    f.write("\n".join(names[query_labels]) + "\n")
with open("items.names.txt", "w") as f:
    f.write("\n".join("" if l < 0 else names[l] for l in item_labels) + "\n")
with open("query-ids.txt", "w") as f:
    f.write("\n".join("query-%d" % r for r in range(80)) + "\n")
with h5py.File("bare.h5", "w") as f:
    f["embeddings"] = queries
    f["labels"] = query_labels
with h5py.File("vectors.h5", "w") as f:
    f["features"] = queries
    f["labels"] = query_labels
# Bad files.
np.save("strings.npy", np.array(["a", "b"]))
np.save("objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
np.save("cube.npy", np.zeros((2, 3, 4), np.float32))
np.save("short.labels.npy", query_labels[:-1])
data = open("items.npy", "rb").read()
open("truncated.npy", "wb").write(data[: len(data) // 2])
open("liar.npy", "wb").write(data.replace(b"(400, 16)", b"(900, 16)", 1))
EOF

# The same index from sim's file and from the .npy pair (one thread: the same graph).
for kind in hnsw exact; do
  flags=(--threads 1)
  [[ $kind == exact ]] && flags+=(--exact)
  expect 0 "" "$index" -i items.h5 -o sim-$kind.idx "${flags[@]}"
  expect 0 "" "$index" -i items.npy --labels items.labels.npy -o npy-$kind.idx "${flags[@]}"
  grep -qF "assumed cosine distance (the default; --distance chooses), 5 classes (labels from items.labels.npy), ids = path#row" err ||
    fail "sim-index on a .npy does not say what it assumed: $(cat err)"
  expect 0 "" "$query" sim-$kind.idx -i q.h5 -k 7 --match nearest
  mv out sim-$kind.tsv
  for route in "q.npy" "q.npy --labels q.labels.txt"; do
    # shellcheck disable=SC2086
    expect 0 "" "$query" npy-$kind.idx -i $route -k 7 --match nearest
    cmp -s out sim-$kind.tsv || fail "$kind: sim-query -i $route answers differently from sim's own file"
  done
  expect 0 "" "$query" npy-$kind.idx -i bare.h5 -k 7 --match nearest
  sed 's/^bare\.h5#/q.npy#/' out | cmp -s - sim-$kind.tsv || fail "$kind: sim-query -i bare.h5 answers differently"
  expect 0 "" "$query" npy-$kind.idx -i vectors.h5 -k 7
  [[ $(wc -l <out) == 561 ]] || fail "$kind: a features file as queries: $(wc -l <out) lines, expected 561"

  expect 0 "" "$eval_" sim-$kind.idx -i q.h5 --json sim-$kind.json
  for route in "q.npy --labels q.labels.txt" "bare.h5" "vectors.h5"; do
    # shellcheck disable=SC2086
    expect 0 "" "$eval_" npy-$kind.idx -i $route --json npy-$kind.json
    $py - sim-$kind.json npy-$kind.json <<'EOF' || fail "$kind: sim-eval -i $route gives other figures"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
bad = {k: (a[k], b[k]) for k in ("metrics", "match_accuracy", "counts", "thresholds", "curve") if a[k] != b[k]}
sys.exit(f"figures differ: {bad}" if bad else 0)
EOF
  done
done

# Without --labels, the labels file named after the matrix (what sim-embed --format npy writes).
expect 0 "" "$index" -i items.npy -o side.idx --exact
grep -qF "5 classes (labels from items.labels.npy)" err || fail "items.labels.npy beside items.npy not used: $(cat err)"

# Class names from text labels; ids from a file; a .npy of more items added to the index.
expect 0 "" "$index" -i items.npy --labels items.names.txt -o names.idx --exact
expect 0 "" "$query" names.idx -i q.npy --ids query-ids.txt -k 1 --match nearest
grep -qP '^query-0\t1\titems\.npy#\d+\t(ant|bee|cat|dog|eel)\t' out || fail "class names or ids not used: $(head -3 out)"
expect 0 "precision@1" "$eval_" names.idx -i q.npy --labels q.names.txt --json by-name.json
# Numbered labels named by --class-names match the index's names as the names themselves do.
printf '%s\n' ant bee cat dog eel >classes.txt
expect 0 "precision@1" "$eval_" names.idx -i q.npy --labels q.labels.txt --class-names classes.txt --json by-number.json
$py -c "import json; a, b = (json.load(open(p)) for p in ('by-name.json', 'by-number.json')); exit(a['metrics'] != b['metrics'])" ||
  fail "--class-names gives other figures than the names themselves"
expect 2 "--class-names" "$eval_" names.idx -i q.h5 --class-names classes.txt
expect 0 "" "$index" add names.idx -i q.npy --labels q.names.txt
expect 0 "count: 480" "$index" info names.idx
expect 0 "NumPy .npy, float64 [80 x 16], Fortran order" "$info" q.npy
expect 0 "HDF5 written without sim's attributes" "$info" bare.h5

# What is still refused says what to add, naming the file.
expect 1 "q.npy: labels: no query is labelled" "$eval_" npy-exact.idx -i q.npy
grep -qF -- "--labels FILE" err || fail "sim-eval on an unlabelled .npy does not say to give --labels"
expect 1 "strings.npy: header: 'descr' is '<U1': strings" "$query" npy-exact.idx -i strings.npy
expect 1 "objects.npy: header: 'descr' is '|O': Python objects" "$query" npy-exact.idx -i objects.npy
expect 1 "cube.npy: shape: is float32 [2 x 3 x 4]" "$query" npy-exact.idx -i cube.npy
expect 1 "truncated.npy: shape: says float32 [400 x 16], C order, which is 25600 bytes" "$index" -i truncated.npy -o t.idx
expect 1 "liar.npy: shape: says float32 [900 x 16]" "$index" -i liar.npy -o t.idx
expect 1 "short.labels.npy: has 79 labels but 'q.npy' has 80 rows" "$eval_" npy-exact.idx -i q.npy --labels short.labels.npy
expect 2 "'q.h5' is sim embeddings with labels and ids of its own; --labels" "$eval_" npy-exact.idx -i q.h5 --labels q.labels.txt
[[ -e t.idx ]] && fail "a refused input left an index behind"
finish
