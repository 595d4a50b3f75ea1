#!/usr/bin/env bash
# sim-eval through the real program on seeded embeddings (make_embeddings): the table, JSON, exact
# evaluation with --reference agreeing with an exact index, HNSW close to exact, seen/unseen,
# quality gates (exit 3 naming the figure), baselines, calibration written into the index and used
# by sim-query --match, and bad inputs (exit 1 naming the file, exit 2 for usage).
# Usage: sim_eval.sh BIN_DIR(with sim-eval, sim-index, sim-query) make_embeddings
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
eval_="$bin/sim-eval"
index="$bin/sim-index"
query="$bin/sim-query"

# Four classes in the index; queries of those four plus "owl", which the index does not hold.
"$mk" ref.h5 --n 400 --dim 16 --classes ant,bee,cat,dog --seed 1 --prefix ref- --noise 1.0
"$mk" q.h5 --n 100 --dim 16 --classes ant,bee,cat,dog,owl --seed 2 --prefix q- --noise 1.0
"$mk" dim8.h5 --n 10 --dim 8 --classes ant --seed 3
"$index" -i ref.h5 -o hnsw.idx -q && "$index" -i ref.h5 -o exact.idx --exact -q ||
  { echo "FAIL: sim-index could not build the test indices" >&2; exit 1; }

# --- The table and JSON ---------------------------------------------------------------------------
expect 0 "precision@1" "$eval_" exact.idx -i q.h5
for word in "map@r" "r-precision" "ndcg@10" "recall@10" "mrr" "optimal" "20 without any item of their class"; do
  grep -qF -- "$word" out || fail "table lacks '$word': $(cat out)"
done
expect 0 "" "$eval_" exact.idx -i q.h5 --json exact.json -k 5 --target-precision 0.95
[[ -s exact.json ]] || fail "--json exact.json wrote nothing"
expect 0 "" "$eval_" --reference ref.h5 -i q.h5 --json - -k 5 --target-precision 0.95
grep -qF "precision@1" err || fail "with --json - the table goes to stderr: $(head -c 300 err)"
mv out reference.json
"$eval_" hnsw.idx -i q.h5 --json hnsw.json -k 5 --ef 200 -q >/dev/null || fail "sim-eval on the HNSW index failed"
$py - exact.json reference.json hnsw.json <<'PY' || fail "JSON figures disagree (see above)"
import json, sys
exact, ref, hnsw = (json.load(open(p)) for p in sys.argv[1:])
m = exact["metrics"]
assert set(m) == {"precision@1", "precision@5", "recall@5", "r-precision", "map@r", "mrr", "ndcg@5"}, m
assert all(0 <= v <= 1 for v in m.values()), m
# An exact index and --reference over the same embeddings are the same search.
for name, v in m.items():
    assert abs(ref["metrics"][name] - v) < 1e-12, (name, v, ref["metrics"][name])
    assert abs(hnsw["metrics"][name] - v) < 0.02, (name, v, hnsw["metrics"][name])
assert exact["counts"]["graded"] == 100 and exact["counts"]["no_relevant"] == 20, exact["counts"]
assert m["precision@1"] > 0.5, m  # clustered data: far better than chance (0.25)
t = exact["thresholds"]
assert "optimal" in t and "precision>=0.95" in t, t
assert t["optimal"]["tn"] > 0, t["optimal"]  # some owls are rejected at the best threshold
assert len(exact["curve"]) > 10
PY

# --- Seen / unseen ------------------------------------------------------------------------------
expect 0 "unseen" "$eval_" exact.idx -i q.h5 --unseen-classes cat,owl --json split.json
$py -c "
import json; d = json.load(open('split.json'))
assert d['seen']['queries'] + d['unseen']['queries'] == d['counts']['graded'], d
assert d['unseen']['no_relevant'] == 20, d['unseen']
" || fail "seen/unseen split wrong: $(cat split.json | head -c 400)"
expect 2 "'yak'" "$eval_" exact.idx -i q.h5 --unseen-classes yak

# --- Gates and baselines ------------------------------------------------------------------------
expect 0 "" "$eval_" exact.idx -i q.h5 --fail-under precision@1=0.5,MAP@R=0.1
expect 3 "precision@1 is" "$eval_" exact.idx -i q.h5 --fail-under precision@1=0.999
grep -qF "precision@1" out || fail "a failed gate still prints the table"
expect 2 "there is no figure 'p@1'" "$eval_" exact.idx -i q.h5 --fail-under p@1=0.5
expect 2 "--fail-under" "$eval_" exact.idx -i q.h5 --fail-under precision@1
expect 0 "" "$eval_" exact.idx -i q.h5 -k 5 --baseline exact.json --max-drop 0
$py -c "
import json; d = json.load(open('exact.json')); d['metrics']['map@r'] += 0.05
json.dump(d, open('better.json', 'w'))"
expect 3 "map@r fell from" "$eval_" exact.idx -i q.h5 -k 5 --baseline better.json --max-drop 0.01
expect 0 "" "$eval_" exact.idx -i q.h5 -k 5 --baseline better.json --max-drop 0.1
echo '{"a": 1}' >notours.json
expect 1 "notours.json: format" "$eval_" exact.idx -i q.h5 --baseline notours.json
echo '{' >broken.json
expect 1 "broken.json" "$eval_" exact.idx -i q.h5 --baseline broken.json

# --- A gate never passes on what it cannot judge ----------------------------------------------------
for bad in nan NaN inf -inf 1e400 0x1p-2junk ""; do
  expect 2 "--max-drop" "$eval_" exact.idx -i q.h5 --baseline exact.json --max-drop "$bad"
  expect 2 "--fail-under" "$eval_" exact.idx -i q.h5 --fail-under "precision@1=$bad"
done
expect 2 "--max-drop" "$eval_" exact.idx -i q.h5 --baseline exact.json --max-drop -0.1
$py - <<'PY'
import json
d = json.load(open("exact.json"))
def variant(name, edit):
    v = json.loads(json.dumps(d)); edit(v); json.dump(v, open(name, "w"))
variant("nometrics.json", lambda v: v.pop("metrics"))
variant("emptymetrics.json", lambda v: v.__setitem__("metrics", {}))
variant("stringmetric.json", lambda v: v["metrics"].__setitem__("map@r", "0.9"))
variant("newer.json", lambda v: v.__setitem__("version", 2))
variant("noversion.json", lambda v: v.pop("version"))
variant("nullmetric.json", lambda v: v["metrics"].__setitem__("map@r", None))
PY
expect 1 "nometrics.json: metrics" "$eval_" exact.idx -i q.h5 --baseline nometrics.json --max-drop 1
expect 1 "emptymetrics.json: metrics" "$eval_" exact.idx -i q.h5 --baseline emptymetrics.json --max-drop 1
expect 1 "stringmetric.json: metrics/map@r" "$eval_" exact.idx -i q.h5 --baseline stringmetric.json --max-drop 1
expect 1 "newer.json: version" "$eval_" exact.idx -i q.h5 --baseline newer.json --max-drop 1
expect 1 "noversion.json: version" "$eval_" exact.idx -i q.h5 --baseline noversion.json --max-drop 1
# A figure the baseline could not compute (NaN, written as null) cannot be improved on: the gate fails.
expect 3 "map@r fell from nan" "$eval_" exact.idx -i q.h5 -k 5 --baseline nullmetric.json --max-drop 1

# --- Calibration into the index, used by sim-query --match ------------------------------------
cp hnsw.idx before.idx
expect 0 "" "$eval_" hnsw.idx -i q.h5 --target-precision 0.9,0.999 --write
expect 0 "calibration" "$index" info hnsw.idx
grep -qF "optimal" out || fail "info does not list the calibrated thresholds: $(cat out)"
cmp -s hnsw.idx before.idx && fail "--write did not change the sidecar"
ls hnsw.idx.g*.hnsw >/dev/null 2>&1 || fail "--write lost the hnswlib file"
expect 0 "" "$query" hnsw.idx -i q.h5 -k 1 --match nearest
grep -q "unknown" out || fail "sim-query --match after calibration never says unknown: $(head -n 5 out)"
expect 2 "--write" "$eval_" --reference ref.h5 -i q.h5 --write

# --- Bad input ---------------------------------------------------------------------------------
expect 2 "" "$eval_" -i q.h5
expect 2 "" "$eval_" exact.idx --reference ref.h5 -i q.h5
expect 1 "missing.h5" "$eval_" exact.idx -i missing.h5
expect 1 "dim8.h5: dim" "$eval_" exact.idx -i dim8.h5
expect 1 "nothere.idx" "$eval_" nothere.idx -i q.h5
expect 2 "--target-precision" "$eval_" exact.idx -i q.h5 --target-precision 1.5
expect 1 "missing-dir" "$eval_" exact.idx -i q.h5 --json missing-dir/x.json
finish
