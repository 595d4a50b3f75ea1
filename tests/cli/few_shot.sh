#!/usr/bin/env bash
# sim-eval --unseen-classes C --shots 1,3 through the real programs: every draw's share of right
# answers, for every rule and for the unseen and the seen queries, equals numpy's over the same
# examples (the ids sim-eval reports), computed here as if they were added to the index: nearest
# item, majority of k (ties to the class whose best neighbour is closer), nearest class mean.
# The draws repeat with --seed and change with it; the table, the JSON's figures and the gates'
# names; bad input (an unseen class the index holds, too few queries, --shots without
# --unseen-classes, --draws without --shots) exits 1 or 2 naming what is wrong.
# Usage: few_shot.sh BIN_DIR(with sim-index, sim-eval) make_embeddings
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
eval_="$bin/sim-eval"
$py -c "import numpy, h5py" || { echo "FAIL: python3-numpy and python3-h5py are test packages (scripts/setup.sh)" >&2; exit 1; }

"$mk" ref.h5 --n 240 --dim 12 --classes ant,bee,cat --seed 1 --prefix ref- --noise 1.1
"$mk" q.h5 --n 150 --dim 12 --classes ant,bee,cat,owl,eel --seed 2 --prefix q- --noise 1.1
"$index" -i ref.h5 -o ref.idx --exact -q || { echo "FAIL: building ref.idx" >&2; exit 1; }

expect 0 "few-shot: unseen classes (owl, eel)" "$eval_" ref.idx -i q.h5 --unseen-classes owl,eel --shots 1,3 \
  --draws 4 -k 5 --seed 7 --json shots.json
for word in "    3  centroid" "    1  majority" "4 draws (seed 7)"; do
  grep -qF -- "$word" out || fail "the table lacks '$word': $(cat out)"
done

$py - <<'PY' || fail "sim-eval --shots disagrees with numpy (above)"
import json
import h5py, numpy as np

def load(path):
    f = h5py.File(path, "r")
    text = lambda d: [v.decode() if isinstance(v, bytes) else v for v in d[:]]
    classes = text(f["classes"])
    x = f["embeddings"][:].astype(np.float64)
    return text(f["ids"]), np.array([classes[l] for l in f["labels"][:]]), x / np.linalg.norm(x, axis=1, keepdims=True)

ref_ids, ref_cls, ref_x = load("ref.h5")
q_ids, q_cls, q_x = load("q.h5")
doc = json.load(open("shots.json"))["few_shot"]
assert doc["draws"] == 4 and doc["seed"] == 7 and doc["k"] == 5, doc
unseen = set(doc["unseen_classes"])
k = doc["k"]
by_rule = {(r["shots"], r["match"]): r for r in doc["results"]}
for block in doc["examples"]:
    shots = block["shots"]
    for d, examples in enumerate(block["draws"]):
        assert len(examples) == shots * len(unseen), examples
        taken = set(examples)
        where = [q_ids.index(e) for e in examples]
        assert all(q_cls[w] in unseen for w in where), "an example of a seen class"
        g_x = np.concatenate([ref_x, q_x[where]])
        g_cls = np.concatenate([ref_cls, q_cls[where]])
        names = sorted(set(g_cls))
        means = np.stack([g_x[g_cls == c].mean(axis=0) for c in names])
        means /= np.linalg.norm(means, axis=1, keepdims=True)
        right = {rule: {"unseen": [], "seen": []} for rule in ("nearest", "majority", "centroid")}
        for i, qid in enumerate(q_ids):
            if qid in taken:
                continue
            dist = 1 - g_x @ q_x[i]
            order = np.argsort(dist, kind="stable")[:k]
            votes = {}
            for rank, j in enumerate(order):
                votes.setdefault(g_cls[j], [0, rank])[0] += 1
            majority = max(votes, key=lambda c: (votes[c][0], -votes[c][1]))
            answers = {"nearest": g_cls[order[0]], "majority": majority,
                       "centroid": names[int(np.argmin(1 - means @ q_x[i]))]}
            group = "unseen" if q_cls[i] in unseen else "seen"
            for rule, answer in answers.items():
                right[rule][group].append(answer == q_cls[i])
        for rule, groups in right.items():
            for group, hits in groups.items():
                got = by_rule[(shots, rule)][group]["draws"][d]
                want = float(np.mean(hits))
                assert abs(got - want) < 1e-9, (shots, d, rule, group, got, want)
        print(f"shots {shots} draw {d}: {len(taken)} examples, every rule as numpy")
PY

# The same seed draws the same examples; another seed others.
"$eval_" ref.idx -i q.h5 --unseen-classes owl,eel --shots 1,3 --draws 4 -k 5 --seed 7 --json again.json -q >/dev/null &&
  "$eval_" ref.idx -i q.h5 --unseen-classes owl,eel --shots 1,3 --draws 4 -k 5 --seed 8 --json other.json -q >/dev/null ||
  fail "sim-eval --shots again"
$py -c "
import json
a, b, c = (json.load(open(f))['few_shot'] for f in ('shots.json', 'again.json', 'other.json'))
assert a == b, 'the same --seed gave other draws'
assert a['examples'] != c['examples'], 'another --seed gave the same draws'
" || fail "draws do not follow --seed"
expect 0 "" "$eval_" ref.idx -i q.h5 --unseen-classes owl,eel --shots 3 -q --fail-under 3-shot.centroid.unseen=0.01
expect 3 "3-shot.centroid.seen" "$eval_" ref.idx -i q.h5 --unseen-classes owl,eel --shots 3 -q \
  --fail-under 3-shot.centroid.seen=1.01

# --- Bad input ---------------------------------------------------------------------------------
"$index" add ref.idx -i q.h5 -q || fail "adding the queries to the index"
expect 1 "ref.idx: labels: holds" "$eval_" ref.idx -i q.h5 --unseen-classes owl --shots 1
"$index" -i ref.h5 -o clean.idx --exact -q || fail "building clean.idx"
expect 2 "--shots: 'owl' has" "$eval_" clean.idx -i q.h5 --unseen-classes owl --shots 500
expect 2 "--unseen-classes" "$eval_" clean.idx -i q.h5 --shots 1
expect 2 "--draws" "$eval_" clean.idx -i q.h5 --unseen-classes owl --draws 3
expect 2 "--shots" "$eval_" clean.idx -i q.h5 --unseen-classes owl --shots 0
expect 2 "--unseen-classes: 'gnu' is neither a class of the index nor of the queries" "$eval_" clean.idx -i q.h5 --unseen-classes gnu --shots 1
finish
