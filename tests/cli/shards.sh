#!/usr/bin/env bash
# Several indexes answered as one (sim-query, sim-eval) and joined into one (sim-index merge),
# through the real programs on seeded embeddings (make_embeddings):
#   - exact shards, for every distance: the same TSV and JSON Lines, byte for byte, as one exact
#     index over the union (built by sim-index add), classes matched by name across shards that
#     list them in other orders, ties across shards (the same vectors in two shards) broken by the
#     union's positions; the same sim-eval figures; sim-index merge answering the same again,
#     keeping the shards' vectors to the bit, also at k = 50 and k beyond the items;
#   - HNSW shards: the recall of one HNSW index over the union;
#   - bad input: another dimension, distance or model, an id in two shards, a missing shard,
#     --write to several, merge onto a shard; a shard rewritten under a running sim-query --stream.
# Usage: shards.sh BIN_DIR(with sim-index, sim-query, sim-eval) make_embeddings
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

# --- Exact shards equal one exact index over their union, for every distance ---------------------
for distance in cosine euclidean sqeuclidean inner_product manhattan; do
  mkdir "$distance" && cd "$distance" || exit 1
  # s2 holds s0's very vectors under other ids (same seed and classes): every neighbour of s0 ties.
  "$mk" s0.h5 --n 120 --dim 12 --classes ant,bee,cat --seed 1 --prefix a- --distance "$distance" --noise 0.8
  "$mk" s1.h5 --n 90 --dim 12 --classes cat,dog,bee --seed 2 --prefix b- --distance "$distance" --noise 0.8
  "$mk" s2.h5 --n 120 --dim 12 --classes ant,bee,cat --seed 1 --prefix c- --distance "$distance" --noise 0.8
  "$mk" q.h5 --n 40 --dim 12 --classes ant,bee,cat,dog --seed 9 --prefix q- --distance "$distance" --noise 0.8
  for s in 0 1 2; do "$index" -i s$s.h5 -o s$s.idx --exact -q || fail "$distance: sim-index s$s"; done
  { "$index" -i s0.h5 -o union.idx --exact -q && "$index" add union.idx -i s1.h5 -q &&
    "$index" add union.idx -i s2.h5 -q; } || fail "$distance: building the union index"
  for format in tsv jsonl; do
    "$query" s0.idx s1.idx s2.idx -i q.h5 -k 25 --format $format -q >shards.$format || fail "$distance: shards"
    "$query" union.idx -i q.h5 -k 25 --format $format -q >union.$format || fail "$distance: union"
    cmp -s shards.$format union.$format || fail "$distance: 3 shards' $format differs from the union's: $(diff shards.$format union.$format | head -4)"
  done
  grep -q "	bee	" shards.tsv && grep -q "	dog	" shards.tsv || fail "$distance: class names lost: $(head -3 shards.tsv)"
  "$index" merge s0.idx s1.idx s2.idx -o merged.idx -q || fail "$distance: sim-index merge"
  "$query" merged.idx -i q.h5 -k 25 -q | cmp -s - union.tsv || fail "$distance: the merged index answers otherwise"
  # The merge keeps the shards' very vectors, and answers as the union at large k and past the items.
  $py -c "
import h5py, numpy as np
shards = np.concatenate([h5py.File(f's{s}.idx')['vectors'][:] for s in range(3)])
assert np.array_equal(h5py.File('merged.idx')['vectors'][:], shards), 'the merged vectors differ from the shards'
" || fail "$distance: sim-index merge changed the shards' vectors"
  for k in 50 400; do
    "$query" merged.idx -i q.h5 -k $k -q >merged-$k.tsv && "$query" union.idx -i q.h5 -k $k -q >union-$k.tsv &&
      "$query" s0.idx s1.idx s2.idx -i q.h5 -k $k -q >shards-$k.tsv || fail "$distance: -k $k"
    cmp -s merged-$k.tsv union-$k.tsv && cmp -s shards-$k.tsv union-$k.tsv ||
      fail "$distance: -k $k: merged, shards and union answer differently: $(diff merged-$k.tsv union-$k.tsv | head -3)"
  done
  "$eval_" s0.idx s1.idx s2.idx -i q.h5 --json shards.json -q >/dev/null || fail "$distance: sim-eval on shards"
  "$eval_" union.idx -i q.h5 --json union.json -q >/dev/null || fail "$distance: sim-eval on the union"
  $py -c "
import json, sys
a, b = (json.load(open(p)) for p in ('shards.json', 'union.json'))
assert a['metrics'] == b['metrics'] and a['thresholds'] == b['thresholds'], (a['metrics'], b['metrics'])
assert a['index'] == 's0.idx + s1.idx + s2.idx', a['index']
" || fail "$distance: sim-eval figures of the shards differ from the union's"
  cd .. || exit 1
done

# --- HNSW shards reach the recall of one HNSW index over the union ---------------------------------
"$mk" h0.h5 --n 1500 --dim 16 --classes a,b,c,d,e --seed 11 --prefix h0- --noise 1.5
"$mk" h1.h5 --n 1500 --dim 16 --classes a,b,c,d,e --seed 12 --prefix h1- --noise 1.5
"$mk" hq.h5 --n 100 --dim 16 --classes a,b,c,d,e --seed 13 --prefix hq- --noise 1.5
{ "$index" -i h0.h5 -o h0.idx -q --ef 16 --M 8 && "$index" -i h1.h5 -o h1.idx -q --ef 16 --M 8 &&
  "$index" -i h0.h5 -o hu.idx -q --ef 16 --M 8 && "$index" add hu.idx -i h1.h5 -q &&
  "$index" -i h0.h5 -o eu.idx --exact -q && "$index" add eu.idx -i h1.h5 -q; } || fail "building the HNSW indexes"
"$query" h0.idx h1.idx -i hq.h5 -k 10 -q >hs.tsv && "$query" hu.idx -i hq.h5 -k 10 -q >hu.tsv &&
  "$query" eu.idx -i hq.h5 -k 10 -q >eu.tsv || fail "querying the HNSW indexes"
$py - hs.tsv hu.tsv eu.tsv <<'PY' || fail "HNSW shards' recall falls short of one HNSW index's"
import collections, sys
def lists(path):
    out = collections.defaultdict(set)
    for line in open(path).read().splitlines()[1:]:
        q, _, item = line.split("\t")[:3]
        out[q].add(item)
    return out
shards, one, exact = (lists(p) for p in sys.argv[1:])
recall = lambda got: sum(len(got[q] & exact[q]) for q in exact) / sum(len(v) for v in exact.values())
print(f"recall@10: 2 HNSW shards {recall(shards):.3f}, one HNSW index {recall(one):.3f}")
assert recall(shards) >= recall(one) - 0.01, (recall(shards), recall(one))
PY
# merge of HNSW shards: one graph, the same items, still finding the neighbours.
expect 0 "" "$index" merge h0.idx h1.idx -o hm.idx
expect 0 "count: 3000" "$index" info hm.idx
grep -q "type: hnsw" out || fail "merging HNSW shards gave no HNSW index: $(cat out)"

# --- Bad input ------------------------------------------------------------------------------------
cd cosine || exit 1
"$mk" d8.h5 --n 20 --dim 8 --classes ant --seed 3 --prefix d-
"$mk" eu.h5 --n 20 --dim 12 --classes ant --seed 3 --prefix e- --distance euclidean
"$mk" fp.h5 --n 20 --dim 12 --classes ant --seed 3 --prefix f- --fingerprint other-model
"$index" -i d8.h5 -o d8.idx --exact -q && "$index" -i eu.h5 -o eu.idx --exact -q &&
  "$index" -i fp.h5 -o fp.idx --exact -q || fail "building the mismatched indexes"
expect 1 "d8.idx: dim: is 8 but the first index 's0.idx' has 12" "$query" s0.idx d8.idx -i q.h5
expect 1 "eu.idx: distance: is euclidean but the first index 's0.idx' uses cosine" "$query" s0.idx eu.idx -i q.h5
expect 1 "fp.idx: model_fingerprint" "$eval_" s0.idx fp.idx -i q.h5
expect 1 "s0.idx: ids: 'a-0' is also in 's0.idx'" "$query" s0.idx s1.idx s0.idx -i q.h5
expect 1 "missing.idx" "$query" s0.idx missing.idx -i q.h5
expect 2 "--write" "$eval_" s0.idx s1.idx -i q.h5 --write
"$query" s0.idx -i q.h5 -k 25 -q >s0-before.tsv || fail "querying s0.idx"
expect 2 "'s0.idx' is the same file as an index to merge" "$index" merge s0.idx s1.idx -o s0.idx
"$query" s0.idx -i q.h5 -k 25 -q | cmp -s - s0-before.tsv || fail "s0.idx changed by a refused merge"

# A shard rewritten under a running query: the running sim-query keeps answering from what it
# read (whole and consistent), a new one sees the new items.
line="$($py -c "
import h5py
f = h5py.File('s1.h5'); print('probe\t' + ','.join(repr(float(x)) for x in f['embeddings'][0]))")"
mkfifo feed
"$query" s0.idx s1.idx --stream -k 1 -q <feed >stream.out 2>stream.err &
reader=$!
exec 3>feed
printf '%s\n' "$line" >&3
for _ in $(seq 100); do [[ -s stream.out ]] && break; sleep 0.1; done
"$mk" s1new.h5 --n 5 --dim 12 --classes dog --seed 1 --prefix z- --noise 0 && "$py" -c "
import h5py, numpy as np
f = h5py.File('s1new.h5', 'r+'); e = f['embeddings']; src = h5py.File('s1.h5')['embeddings'][0]
e[...] = np.tile(src, (e.shape[0], 1))" || fail "preparing the new items"
"$index" add s1.idx -i s1new.h5 -q || fail "sim-index add under a running query"
printf '%s\n' "$line" >&3
exec 3>&-
wait $reader || fail "sim-query --stream failed while a shard was rewritten: $(cat stream.err)"
[[ $(grep -c "b-0" stream.out) == 2 ]] || fail "the running query's answers changed: $(cat stream.out)"
printf '%s\n' "$line" | "$query" s0.idx s1.idx --stream -k 2 -q | grep -q "	z-" ||
  fail "a new sim-query does not see the rewritten shard's new items"
cd .. || exit 1

# k beyond the items costs what the items cost: the same answers, the same memory (within a fifth).
mkdir k && cd k || exit 1
"$mk" a.h5 --n 160 --dim 8 --classes a,b --seed 1 --prefix a-
"$mk" b.h5 --n 160 --dim 8 --classes a,b --seed 2 --prefix b-
"$mk" q.h5 --n 5 --dim 8 --classes a,b --seed 3 --prefix q-
"$index" -i a.h5 -o a.idx -q && "$index" -i b.h5 -o b.idx -q || fail "building a.idx, b.idx"
/usr/bin/time -f %M -o items.mem "$query" a.idx b.idx -i q.h5 -k 320 -q >items.tsv || fail "-k 320"
/usr/bin/time -f %M -o huge.mem "$query" a.idx b.idx -i q.h5 -k 1000000 -q >huge.tsv || fail "-k 1000000"
cmp -s items.tsv huge.tsv || fail "-k 1000000 answers other than -k 320 over 320 items"
(($(cat huge.mem) * 5 <= $(cat items.mem) * 6)) ||
  fail "-k 1000000 over 320 items took $(cat huge.mem) KB, -k 320 $(cat items.mem) KB"
# A deleted item is not in the index: its id may be live in another shard, and is answered there.
"$mk" c.h5 --n 3 --dim 8 --classes a --seed 4 --prefix a-
"$index" -i c.h5 -o c.idx -q || fail "building c.idx"
expect 1 "'a-0' is also in 'a.idx'" "$query" a.idx c.idx -i q.h5 -k 3
"$index" delete a.idx a-0 a-1 a-2 -q || fail "deleting a-0..a-2"
"$query" a.idx c.idx -i c.h5 -k 1 -q >twins.tsv || fail "a.idx with its deleted ids live in c.idx: $(cat twins.tsv)"
[[ $(awk -F'\t' 'NR > 1 && $1 == $3' twins.tsv | wc -l) == 3 ]] ||
  fail "each twin should find itself, live in c.idx: $(cat twins.tsv)"
cd .. || exit 1

finish
