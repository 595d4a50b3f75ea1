#!/usr/bin/env bash
# sim and the Python ecosystem exchange files both ways, as man/sim-formats.5 documents:
#  a. a conv net traced with PyTorch (torch.jit.trace) trains under sim-train --backbone; the model
#     file is taken apart in PyTorch (sections, CRC, fingerprint, the trained backbone, the head),
#     which reproduces sim-embed's embeddings and the self-test samples; the embeddings are finite,
#     N x dim, separate the classes, and the backbone really was trained;
#  b. HDF5 written by h5py: a vector dataset (features/labels/ids/classes) trains an MLP and embeds
#     with its ids and classes kept, and sim-index indexes its features as they are (--distance);
#     an embeddings file written by h5py (float32 and float64 / fixed-length strings) is indexed
#     (HNSW and exact, cosine and euclidean) and queried (-i, --stream, TSV and JSON Lines) with
#     the neighbours numpy computes; the sidecar and hnswlib header are as documented;
#  c. sim-embed's HDF5 holds what sim_train_embed.sh does not check: the dim attribute, provenance
#     JSON, variable-length UTF-8 strings, chunked/extendible uncompressed embeddings.
# Uses Debian's /usr/bin/python3 (python3-torch, python3-h5py, python3-numpy, installed by
# scripts/setup.sh). Skipped (exit 77, loudly) only when those modules are missing.
# Usage: python_interop.sh sim-train sim-embed sim-index sim-query  (paths to the programs)
set -u
train="$1"
embed="$2"
index="$3"
query="$4"
py=/usr/bin/python3
if ! missing="$("$py" - 2>&1 <<'EOF'
import importlib.util, sys
# Only whether they are installed: an installed module that fails to import is a failure, not a skip.
gone = [m for m in ("numpy", "h5py", "torch") if importlib.util.find_spec(m) is None]
print(" ".join(gone))
sys.exit(1 if gone else 0)
EOF
)"; then
  msg="SKIPPED: this interop test did NOT run: $py lacks Python module(s) ${missing:-(python3 itself)}."
  msg+=" Install python3-numpy python3-h5py python3-torch (scripts/setup.sh does)."
  echo "$msg" >&2
  echo "$msg"
  exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# run NAME PROGRAM ARGS...: runs quietly, stderr kept in NAME.err; fails the test on a non-zero exit.
run() {
  local name="$1"
  shift
  "$@" >"$name.out" 2>"$name.err" </dev/null
  local status=$?
  [[ $status == 0 ]] && return 0
  fail "$name: $(basename "$1") exited $status: $(tail -n 3 "$name.err")"
  return 1
}

# --- a. A PyTorch-traced backbone ---------------------------------------------------------------
# Four classes of 28x28 grey images (bars, a diagonal, a square outline, at random places, noisy),
# as IDX files (train gzipped, test plain), and a small conv net traced for 1x28x28 input whose
# output stays N x 16 x 3 x 3 (sim flattens it).
"$py" - <<'EOF' || { echo "FAIL: PyTorch could not write the dataset and the traced backbone" >&2; exit 1; }
import gzip, os, struct
import numpy as np, torch
from torch import nn
import torch.nn.functional as F

torch.set_num_threads(1)
rng = np.random.default_rng(7)

def image(c):
    img = np.zeros((28, 28), np.float32)
    p = int(rng.integers(5, 23))
    if c == 0:
        img[p - 1:p + 2, 3:25] = 1
    elif c == 1:
        img[3:25, p - 1:p + 2] = 1
    elif c == 2:
        for i in range(20):
            img[4 + i, max(0, min(27, p - 10 + i)):max(0, min(27, p - 10 + i)) + 2] = 1
    else:
        q = int(rng.integers(3, 14))
        img[q, p - 5:p + 5] = img[q + 10, p - 5:p + 5] = 1
        img[q:q + 11, p - 5] = img[q:q + 11, p + 4] = 1
    img = img * rng.uniform(0.6, 1.0) + rng.normal(0, 0.15, img.shape)
    return np.clip(img * 255, 0, 255).astype(np.uint8)

def idx(path, array, opener=open):
    with opener(path, "wb") as f:
        f.write(bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(array.tobytes())

os.mkdir("shapes")
for prefix, per_class, opener in (("train", 40, gzip.open), ("t10k", 15, open)):
    labels = np.repeat(np.arange(4, dtype=np.uint8), per_class)
    images = np.stack([image(int(c)) for c in labels])
    gz = ".gz" if opener is gzip.open else ""
    idx(f"shapes/{prefix}-images-idx3-ubyte{gz}", images, opener)
    idx(f"shapes/{prefix}-labels-idx1-ubyte{gz}", labels, opener)
    np.save(f"{prefix}.npy", images)
    np.save(f"{prefix}-labels.npy", labels)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.pool(x)

torch.manual_seed(0)
traced = torch.jit.trace(Net().eval(), torch.rand(2, 1, 28, 28))
assert traced(torch.rand(5, 1, 28, 28)).shape == (5, 16, 3, 3), "the traced net depends on the batch size"
traced.save("traced.pt")
EOF

# 20 steps of 4 classes x 8 images: about a second, and enough to pull the classes apart. One
# thread throughout: these nets are tiny, and two OpenMP threads on a busy 2-core machine (ctest
# -j2) measured 10-30x slower than one.
steps=20
if run train-bb "$train" shapes --backbone traced.pt --dim 16 --steps $steps --examples-per-class 8 --lr 0.01 \
  --threads 1 --seed 1 -o bb.sim; then
  grep -q "script: 1x28x28 image -> 16-d cosine" train-bb.err ||
    fail "sim-train --backbone did not say it trains the TorchScript backbone: $(head -n 5 train-bb.err)"
fi
run embed-bb "$embed" -m bb.sim shapes --split test -o test.h5 --threads 1
"$py" - bb.sim traced.pt test.h5 $steps <<'EOF' || fail "the traced-backbone model or its embeddings (details above)"
import io, json, struct, sys, zlib
import h5py, numpy as np, torch
import torch.nn.functional as F

torch.set_num_threads(1)
model_path, traced_path, emb_path, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)
    return ok

# The model file, section by section, as man/sim-formats.5 describes it.
b = open(model_path, "rb").read()
check(b[:8] == b"SIMMODEL", "model: no SIMMODEL magic")
check(struct.unpack_from("<I", b, 8)[0] == 1, "model: version is not 1")
sections, order, at = {}, [], 12
while True:
    tag = b[at:at + 4].decode("ascii")
    n, = struct.unpack_from("<Q", b, at + 4)
    if tag == "END ":
        check(n == 4 and struct.unpack_from("<I", b, at + 12)[0] == zlib.crc32(b[:at]), "model: END CRC-32 differs")
        check(at + 16 == len(b), "model: bytes after the END section")
        break
    sections[tag] = b[at + 12:at + 12 + n]
    order.append(tag)
    at += 12 + n
check(order == ["HEAD", "WGHT", "SCPT", "SAMP"], f"model: sections {order}, expected HEAD WGHT SCPT SAMP")
head = json.loads(sections["HEAD"])
arch = head["architecture"]
check(head["type"] == "sim-model", "model: HEAD.type")
check(arch["arch"] == "script" and arch["dim"] == 16 and arch["distance"] == "cosine", f"model: HEAD.architecture {arch}")
check(arch["input"]["image"] and [arch["input"][k] for k in ("channels", "height", "width")] == [1, 28, 28],
      f"model: HEAD.architecture.input {arch['input']}")
check(arch["script_features"] == 16 * 3 * 3, f"model: script_features {arch['script_features']}, expected 144")
check(head["classes"] == ["0", "1", "2", "3"], f"model: classes {head['classes']}")
check(head["training"]["steps"] == steps and head["training"]["loss"] == "multi_similarity", f"model: training {head['training']}")
h = 0xcbf29ce484222325
for byte in sections["WGHT"] + sections["SCPT"]:
    h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
check(head["fingerprint"] == f"{h:016x}", "model: fingerprint is not FNV-1a 64 of WGHT + SCPT")

# The trained backbone is the traced net, trained: same parameters by name and shape, new values.
original = dict(torch.jit.load(traced_path).named_parameters())
trained = torch.jit.load(io.BytesIO(sections["SCPT"]))
params = dict(trained.named_parameters())
check(sorted(params) == sorted(original), f"backbone: parameters {sorted(params)} vs traced {sorted(original)}")
change = max(float((params[k] - original[k]).abs().max()) for k in original if k in params)
check(change > 1e-3, f"backbone: not trained (largest parameter change {change:g})")

# Head and preprocessing from WGHT; the documented computation reproduces the self-test samples.
w = torch.jit.load(io.BytesIO(sections["WGHT"]))
def forward(x):
    with torch.no_grad():
        f = trained((x - w.mean) * w.inv_std).flatten(1)
        return F.normalize(F.linear(f, w.head.weight, w.head.bias), dim=1)
samples = torch.jit.load(io.BytesIO(sections["SAMP"]))
diff = float((forward(samples.inputs) - samples.outputs).abs().max())
check(diff < 1e-4, f"model: SAMP outputs differ from the documented computation by {diff:g}")

# The embeddings: sim's layout, the model's own numbers, and classes that came apart.
f = h5py.File(emb_path, "r")
e, labels = f["embeddings"][:], f["labels"][:]
want = np.load("t10k-labels.npy").astype(np.int64)
n = len(want)
check(e.dtype == np.float32 and e.shape == (n, 16), f"embeddings: {e.dtype} {e.shape}, expected float32 ({n}, 16)")
check(np.isfinite(e).all(), "embeddings: NaN or infinity")
check(np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5), "embeddings: rows not L2-normalised (cosine)")
check(labels.dtype == np.int64 and (labels == want).all(), "embeddings: labels differ from the dataset's")
ids = list(f["ids"].asstr()[:])
check(all(i.endswith(f"#{r}") and "t10k-images-idx3-ubyte" in i for r, i in enumerate(ids)), f"ids: {ids[:2]}...")
check(list(f["classes"].asstr()[:]) == ["0", "1", "2", "3"], "embeddings: classes")
check(f.attrs["model_fingerprint"] == head["fingerprint"], "embeddings: model_fingerprint is not the model's")
x = torch.from_numpy(np.load("t10k.npy")).float().div(255).unsqueeze(1)
diff = float(np.abs(forward(x).numpy() - e).max())
check(diff < 1e-4, f"embeddings: sim-embed differs from PyTorch running the model file's parts by {diff:g}")

# c. What sim_train_embed.sh leaves unchecked: dim, provenance, string types, storage.
a = f.attrs
check(a["format"] == "sim-embeddings" and a["version"] == 1 and a["count"] == n, "attributes: format/version/count")
check(a["dim"] == 16 and a["distance"] == "cosine", f"attributes: dim {a['dim']} distance {a['distance']}")
prov = json.loads(a["provenance"])
check(prov.get("program") == "sim-embed" and "--split test" in prov.get("command_line", "")
      and prov.get("time", "").endswith("Z") and {"version", "host"} <= set(prov), f"provenance: {prov}")
for name in ("ids", "classes"):
    info = h5py.check_string_dtype(f[name].dtype)
    check(info is not None and info.encoding == "utf-8" and info.length is None,
          f"{name}: not variable-length UTF-8 strings ({f[name].dtype})")
for name in ("format", "distance", "model_fingerprint", "provenance"):
    check(isinstance(a[name], str), f"attribute {name}: not a string")
d = f["embeddings"]
check(d.chunks is not None and d.maxshape == (None, 16) and d.compression is None,
      f"embeddings storage: chunks {d.chunks} maxshape {d.maxshape} compression {d.compression}")

# Same class closer than other classes: 1-NN (leave one out) and mean distances, against the
# untrained traced net's own features as the baseline.
def separation(v):
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    dist = 1 - v @ v.T
    same = want[:, None] == want[None, :]
    off = ~np.eye(n, dtype=bool)
    np.fill_diagonal(dist, np.inf)
    nn1 = float((want[dist.argmin(1)] == want).mean())
    return nn1, float(dist[same & off].mean() / dist[~same].mean())
with torch.no_grad():
    raw = torch.jit.load(traced_path)(x).flatten(1).numpy()
nn1, ratio = separation(e)
raw_nn1, raw_ratio = separation(raw)
print(f"traced backbone: test 1-NN accuracy {nn1:.3f} (untrained traced net: {raw_nn1:.3f}), "
      f"same/other-class mean distance {ratio:.3f} (untrained: {raw_ratio:.3f}), backbone change {change:.4f}")
check(nn1 >= 0.85, f"quality: 1-NN accuracy {nn1:.3f} < 0.85")
check(ratio < 0.5, f"quality: same-class mean distance is {ratio:.3f} of other-class (want < 0.5)")
check(ratio < 0.8 * raw_ratio, f"quality: training did not tighten classes ({ratio:.3f} vs untrained {raw_ratio:.3f})")
for p in problems[:30]:
    print("FAIL:", p, file=sys.stderr)
if len(problems) > 30:
    print(f"FAIL: ... and {len(problems) - 30} more", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

# --- b. HDF5 written by h5py ----------------------------------------------------------------------
"$py" - <<'EOF' || { echo "FAIL: h5py could not write the input files" >&2; exit 1; }
import h5py, numpy as np

rng = np.random.default_rng(11)
s = h5py.string_dtype()
# A vector dataset for sim-train: 6 classes of 12-d points around random centres.
centres = rng.normal(0, 1, (6, 12))
y = np.repeat(np.arange(6), 40)
x = (centres[y] + rng.normal(0, 0.35, (len(y), 12))).astype(np.float32)
names = ["ant", "bee", "cat", "dog", "eel", "fox"]
with h5py.File("vectors.h5", "w") as f:
    f["features"] = x
    f["labels"] = y.astype(np.int64)
    f["ids"] = np.array([f"v{i:03d}" for i in range(len(y))], dtype=s)
    f["classes"] = np.array(names, dtype=s)
with h5py.File("bare.h5", "w") as f:  # no ids, no classes: sim names them
    f["features"] = x[:20]
    f["labels"] = y[:20].astype(np.int64)

# Embeddings for sim-index, in the documented layout; the last 10 items unlabelled.
n, d = 400, 24
labels = rng.integers(0, 5, n).astype(np.int64)
labels[-10:] = -1
base = rng.normal(0, 1, (5, d))
e = (base[np.maximum(labels, 0)] + rng.normal(0, 0.6, (n, d))).astype(np.float32)
q = (base[rng.integers(0, 5, 30)] + rng.normal(0, 0.6, (30, d))).astype(np.float32)
np.save("base.npy", e)
np.save("queries.npy", q)
for distance in ("cosine", "euclidean"):
    for name, vectors, prefix in ((f"{distance}.h5", e, "item-"), (f"{distance}-q.h5", q, "q")):
        with h5py.File(name, "w") as f:
            f["embeddings"] = vectors
            f["labels"] = labels if prefix == "item-" else np.full(len(vectors), -1, np.int64)
            f["ids"] = np.array([f"{prefix}{i}" for i in range(len(vectors))], dtype=s)
            f["classes"] = np.array(["c0", "c1", "c2", "c3", "c4"], dtype=s)
            f.attrs["format"] = "sim-embeddings"
            f.attrs["version"] = 1
            f.attrs["distance"] = distance
            f.attrs["dim"] = d
            f.attrs["model_fingerprint"] = ""
            f.attrs["count"] = len(vectors)
# What other tools write by default: float64 values, fixed-length byte strings, no fingerprint.
with h5py.File("loose.h5", "w") as f:
    f["embeddings"] = e.astype(np.float64)
    f["labels"] = labels
    f["ids"] = np.array([f"item-{i}".encode() for i in range(n)])
    f["classes"] = np.array([b"c0", b"c1", b"c2", b"c3", b"c4"])
    f.attrs.update(format="sim-embeddings", version=1, distance="euclidean", dim=d)
    f.attrs["count"] = n
# Streaming queries: "id<TAB>" then numbers separated by commas and/or blanks; one line without id.
with open("stream.txt", "w") as out:
    for i, v in enumerate(q):
        numbers = [repr(float(t)) for t in v]
        if i == 3:
            out.write(" ".join(numbers) + "\n\n")
        else:
            out.write(f"q{i}\t" + ", ".join(numbers[:12]) + " " + " ".join(numbers[12:]) + "\n")
EOF

if run train-vec "$train" vectors.h5 --steps 40 --threads 1 --seed 1 -o v.sim; then
  grep -q "mlp: 12-d vector -> 64-d cosine" train-vec.err || fail "sim-train did not train an MLP on 12-d vectors: $(head -n 5 train-vec.err)"
fi
run embed-vec "$embed" -m v.sim vectors.h5 -o v.h5 --threads 1
run embed-bare "$embed" -m v.sim bare.h5 -o bare-e.h5 --threads 1
# The same h5py-written features are a sim-index input too, indexed as they are.
if run index-vec "$index" -i vectors.h5 -o vec.idx --exact --distance euclidean --threads 1; then
  $py - <<'PY' || fail "the index of vectors.h5 does not hold its features, ids and labels"
import h5py, numpy as np
src, idx = h5py.File("vectors.h5", "r"), h5py.File("vec.idx", "r")
assert idx.attrs["distance"] == "euclidean", idx.attrs["distance"]
assert np.array_equal(idx["vectors"][:], src["features"][:].astype(np.float32))
assert np.array_equal(idx["labels"][:], src["labels"][:])
assert [i.decode() for i in idx["ids"][:]] == [i.decode() for i in src["ids"][:]]
PY
fi
"$index" -i vectors.h5 -o refused.idx --distance nonsense >/dev/null 2>refused.err
[[ $? == 2 ]] || fail "sim-index --distance nonsense: expected exit 2"
[[ -e refused.idx ]] && fail "sim-index wrote an index from a refused command"

for distance in cosine euclidean; do
  run "index-$distance" "$index" -i "$distance.h5" -o "$distance.idx" --threads 1
  run "exact-$distance" "$index" -i "$distance.h5" -o "$distance-exact.idx" --exact
  run "query-$distance" "$query" "$distance.idx" -i "$distance-q.h5" -k 5 --threads 1
  run "qexact-$distance" "$query" "$distance-exact.idx" -i "$distance-q.h5" -k 5
  run "jsonl-$distance" "$query" "$distance.idx" -i "$distance-q.h5" -k 5 --format jsonl
  "$query" "$distance-exact.idx" --stream -k 5 <stream.txt >"stream-$distance.out" 2>"stream-$distance.err" ||
    fail "sim-query --stream ($distance): $(tail -n 3 "stream-$distance.err")"
done
run index-loose "$index" -i loose.h5 -o loose.idx --exact
run query-loose "$query" loose.idx -i euclidean-q.h5 -k 5

"$py" - <<'EOF' || fail "h5py-written inputs through sim (details above)"
import json, os, struct, sys, zlib
import h5py, numpy as np

problems = []
def check(ok, what):
    if not ok:
        problems.append(what)
    return ok

# The vector dataset trained a model that embeds it with its own ids and class names.
with h5py.File("v.h5", "r") as f, h5py.File("vectors.h5", "r") as src:
    e = f["embeddings"][:]
    check(e.shape == (240, 64) and np.isfinite(e).all(), f"vector embeddings: shape {e.shape} or not finite")
    check(list(f["ids"].asstr()[:]) == list(src["ids"].asstr()[:]), "vector embeddings: ids are not the dataset's")
    check(list(f["classes"].asstr()[:]) == list(src["classes"].asstr()[:]), "vector embeddings: classes differ")
    check((f["labels"][:] == src["labels"][:]).all(), "vector embeddings: labels differ")
    y = src["labels"][:]
    dist = 1 - e @ e.T
    same = (y[:, None] == y[None, :]) & ~np.eye(len(y), dtype=bool)
    ratio = dist[same].mean() / dist[y[:, None] != y[None, :]].mean()
    check(ratio < 0.5, f"vector embeddings: same-class mean distance is {ratio:.3f} of other-class")
with h5py.File("bare-e.h5", "r") as f:
    check(list(f["classes"].asstr()[:]) == ["0"], f"bare dataset: classes {list(f['classes'].asstr()[:])}")
    check(list(f["ids"].asstr()[:2]) == ["bare.h5#0", "bare.h5#1"], f"bare dataset: ids {list(f['ids'].asstr()[:2])}")

base, queries = np.load("base.npy"), np.load("queries.npy")
def expected(distance, k=5):
    if distance == "cosine":
        b = base / np.linalg.norm(base, axis=1, keepdims=True)
        q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        dist = 1 - q.astype(np.float64) @ b.T.astype(np.float64)
    else:
        dist = np.sqrt(((queries[:, None, :].astype(np.float64) - base[None, :, :]) ** 2).sum(-1))
    order = np.argsort(dist, axis=1)[:, :k]
    return [[(f"item-{j}", dist[i, j]) for j in order[i]] for i in range(len(queries))]

def read_tsv(path):
    lines = open(path).read().splitlines()
    check(lines[0] == "query\trank\tid\tlabel\tdistance", f"{path}: header {lines[0]!r}")
    got = {}
    for line in lines[1:]:
        qid, rank, nid, label, d = line.split("\t")
        got.setdefault(qid, []).append((nid, float(d), label))
    return got

def compare(path, want, exact, qid=lambda i: f"q{i}"):
    got = read_tsv(path)
    hits = total = 0
    for i, row in enumerate(want):
        mine = got.get(qid(i), [])
        check(len(mine) == 5, f"{path}: query {qid(i)} has {len(mine)} neighbours")
        hits += len({n for n, _ in row} & {n for n, _, _ in mine})
        total += len(row)
        if exact:
            if not check([n for n, _, _ in mine] == [n for n, _ in row],
                         f"{path}: {qid(i)} neighbours {[n for n, _, _ in mine]} vs numpy {[n for n, _ in row]}"):
                continue
            for (n, dw), (_, dg, _) in zip(row, mine):
                check(abs(dg - dw) <= 2e-5 + 1e-5 * abs(dw), f"{path}: {qid(i)}->{n} distance {dg} vs numpy {dw}")
    return hits / total

labels_of = {f"item-{j}": l for j, l in enumerate(h5py.File("cosine.h5", "r")["labels"][:])}
for distance in ("cosine", "euclidean"):
    want = expected(distance)
    compare(f"qexact-{distance}.out", want, exact=True)
    recall = compare(f"query-{distance}.out", want, exact=False)
    check(recall >= 0.98, f"{distance}: HNSW recall@5 {recall:.3f} against numpy")
    got = read_tsv(f"qexact-{distance}.out")
    for qid, rows in got.items():
        for nid, _, label in rows:
            l = labels_of[nid]
            check(label == ("" if l < 0 else f"c{l}"), f"{distance}: {nid} label {label!r}, expected class {l}")
    # --stream answers as -i does; the line without an id (line 4) is called "4".
    compare(f"stream-{distance}.out", want, exact=True, qid=lambda i: "4" if i == 3 else f"q{i}")
    # JSON Lines carry the same neighbours as TSV.
    tsv = read_tsv(f"query-{distance}.out")
    for line in open(f"jsonl-{distance}.out"):
        o = json.loads(line)
        check([(x["id"], x["distance"]) for x in o["neighbours"]] == [(n, d) for n, d, _ in tsv[o["query"]]],
              f"jsonl-{distance}: {o['query']} differs from TSV")
        check(all(x["rank"] == r + 1 for r, x in enumerate(o["neighbours"])), f"jsonl-{distance}: ranks")
compare("query-loose.out", expected("euclidean"), exact=True)

# The sidecar and the hnswlib file, against the documented layout.
for distance, space in (("cosine", "cosine"), ("euclidean", "l2")):
    s = h5py.File(f"{distance}.idx", "r")
    a = s.attrs
    want = dict(format="sim-index", version=1, type="hnsw", distance=distance, dim=24, count=400,
                hnsw_space=space, deleted_count=0, model_fingerprint="", generation=1)
    for key, value in want.items():
        check(a[key] == value, f"{distance}.idx: attribute {key} = {a[key]!r}, expected {value!r}")
    hnsw = a["hnsw_file"]
    check(hnsw == f"{distance}.idx.g1.hnsw", f"{distance}.idx: hnsw_file {hnsw!r}")
    data = open(hnsw, "rb").read()
    check(a["hnsw_file_size"] == len(data), f"{distance}.idx: hnsw_file_size")
    check(a["hnsw_file_crc32"] == zlib.crc32(data), f"{distance}.idx: hnsw_file_crc32 is not zlib's CRC-32")
    check(list(s["ids"].asstr()[:]) == [f"item-{j}" for j in range(400)], f"{distance}.idx: ids")
    check((s["labels"][:] == np.array([labels_of[f"item-{j}"] for j in range(400)])).all(), f"{distance}.idx: labels")
    check(list(s["classes"].asstr()[:]) == ["c0", "c1", "c2", "c3", "c4"], f"{distance}.idx: classes")
    check(s["deleted"].dtype == np.uint8 and not s["deleted"][:].any(), f"{distance}.idx: deleted")
    check("vectors" not in s and len(s["history"]) >= 1, f"{distance}.idx: vectors or history")
    check(json.loads(s["history"][-1])["program"] == "sim-index", f"{distance}.idx: history")
    m, efc = int(a["M"]), int(a["ef_construction"])
    h = struct.unpack_from("<6QiI3QdQ", data, 0)
    l0 = 4 * 2 * m + 4
    layout = dict(offsetLevel0=(h[0], 0), max_elements=(h[1], 400), count=(h[2], 400),
                  size_data_per_element=(h[3], l0 + 4 * 24 + 8), label_offset=(h[4], l0 + 4 * 24),
                  offsetData=(h[5], l0), maxM=(h[8], m), maxM0=(h[9], 2 * m), M=(h[10], m),
                  ef_construction=(h[12], max(efc, m)))
    for field, (value, expect) in layout.items():
        check(value == expect, f"{hnsw}: header {field} = {value}, expected {expect}")
    check(abs(h[11] - 1 / np.log(m)) < 1e-12, f"{hnsw}: mult")
    labels = [struct.unpack_from("<Q", data, 96 + i * h[3] + h[4])[0] for i in range(400)]
    check(sorted(labels) == list(range(400)), f"{hnsw}: element labels are not the positions 0..N-1")
    ex = h5py.File(f"{distance}-exact.idx", "r")
    v = ex["vectors"][:]
    b = base / np.linalg.norm(base, axis=1, keepdims=True) if distance == "cosine" else base
    check(ex.attrs["type"] == "exact" and ex.attrs["hnsw_file"] == "" and v.dtype == np.float32
          and np.allclose(v, b, atol=1e-6), f"{distance}-exact.idx: type, hnsw_file or vectors")

for p in problems[:30]:
    print("FAIL:", p, file=sys.stderr)
if len(problems) > 30:
    print(f"FAIL: ... and {len(problems) - 30} more", file=sys.stderr)
if not problems:
    print("h5py files: sim-train, sim-index and sim-query read them; neighbours as numpy; sidecar as documented")
sys.exit(1 if problems else 0)
EOF

if [[ $failures -gt 0 ]]; then
  echo "python interop: $failures failure(s)" >&2
  exit 1
fi
echo "ok: PyTorch-traced backbone, h5py-written datasets and embeddings, sim's files in h5py and PyTorch"
