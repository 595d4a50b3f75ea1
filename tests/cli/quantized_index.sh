#!/usr/bin/env bash
# sim-index --quantize through the real programs: sq8 and f16 indexes build, say so in info, keep
# it through add and a merge of like indexes, answer exactly as the unquantised index when every item is a candidate (ef >=
# the item count: the walk over codes then re-ranks all of them on the full vectors), leave the
# stock hnswlib file loadable by hnswlib's Python bindings, and refuse what they cannot be.
# Usage: quantized_index.sh PATH/TO/sim-index PATH/TO/sim-query PATH/TO/make_embeddings
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
index="$1"
query="$2"
mk="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"

"$mk" base.h5 --n 400 --dim 40 --classes ant,bee,cat --seed 11 --prefix base- --distance euclidean
"$mk" more.h5 --n 100 --dim 40 --classes ant,owl --seed 12 --prefix more- --distance euclidean
"$mk" queries.h5 --n 30 --dim 40 --classes ant,bee,cat --seed 13 --prefix q- --distance euclidean
"$mk" cosine.h5 --n 300 --dim 24 --classes ant,bee --seed 14 --prefix c-
"$mk" cosine_q.h5 --n 20 --dim 24 --classes ant,bee --seed 15 --prefix cq-
[[ -f cosine_q.h5 ]] || { echo "FAIL: make_embeddings did not write the inputs" >&2; exit 1; }

expect 0 "" "$index" -i base.h5 -o plain.idx --threads 1
expect 0 "quantize: none" "$index" info plain.idx
"$query" plain.idx -i queries.h5 -k 10 --ef 500 >plain.tsv 2>err || fail "query plain.idx: $(cat err)"
for kind in sq8 f16; do
  expect 0 "" "$index" -i base.h5 -o $kind.idx --threads 1 --quantize $kind
  expect 0 "quantize: $kind" "$index" info $kind.idx
  grep -q "^recall: " out || fail "info of $kind.idx lacks the recall measured over the codes: $(cat out)"
  # Same graph (one thread, same seed), every item a candidate: the same neighbours and distances.
  "$query" $kind.idx -i queries.h5 -k 10 --ef 500 >$kind.tsv 2>err || fail "query $kind.idx: $(cat err)"
  cmp -s plain.tsv $kind.tsv || fail "$kind.idx at ef 500 answers otherwise than plain.idx: $(diff plain.tsv $kind.tsv | head -5)"
  cmp -s plain.idx.g1.hnsw $kind.idx.g1.hnsw || fail "$kind.idx's hnswlib file differs from the unquantised one's"
done
# Cosine (the inner-product space over normalised vectors).
expect 0 "" "$index" -i cosine.h5 -o c_plain.idx --threads 1
expect 0 "" "$index" -i cosine.h5 -o c_sq8.idx --threads 1 --quantize sq8
"$query" c_plain.idx -i cosine_q.h5 -k 5 --ef 300 >c_plain.tsv 2>err || fail "query c_plain.idx: $(cat err)"
"$query" c_sq8.idx -i cosine_q.h5 -k 5 --ef 300 >c_sq8.tsv 2>err || fail "query c_sq8.idx: $(cat err)"
cmp -s c_plain.tsv c_sq8.tsv || fail "cosine sq8 at ef 300 answers otherwise: $(diff c_plain.tsv c_sq8.tsv | head -5)"

# Growing keeps the quantisation, and the new items are found.
expect 0 "" "$index" add sq8.idx -i more.h5
expect 0 "quantize: sq8" "$index" info sq8.idx
grep -qF "count: 500" out || fail "sq8.idx after add: $(cat out)"
expect 0 "" "$query" sq8.idx -i more.h5 -k 1
[[ $(awk -F'\t' 'NR > 1 && $1 == $3' out | wc -l) -ge 98 ]] || fail "added items do not find themselves: $(head -5 out)"

# A merge of quantised shards stays quantised; with an unquantised shard among them, it is not.
"$mk" extra.h5 --n 60 --dim 40 --classes bee --seed 16 --prefix x- --distance euclidean
expect 0 "" "$index" -i extra.h5 -o extra_sq8.idx --threads 1 --quantize sq8
expect 0 "" "$index" merge sq8.idx extra_sq8.idx -o both.idx -q
expect 0 "quantize: sq8" "$index" info both.idx
expect 0 "" "$index" merge plain.idx extra_sq8.idx -o mixed.idx -q
expect 0 "quantize: none" "$index" info mixed.idx

# hnswlib's own Python bindings load a quantised index's hnswlib file (it is the stock file).
if /usr/bin/python3 -c "import hnswlib" 2>/dev/null; then
  /usr/bin/python3 -c "
import hnswlib
p = hnswlib.Index(space='l2', dim=40)
p.load_index('sq8.idx.g2.hnsw')
assert p.get_current_count() == 500, p.get_current_count()
" 2>err || fail "hnswlib's bindings cannot load sq8.idx.g2.hnsw: $(cat err)"
fi

# Refusals.
expect 2 "--quantize" "$index" -i base.h5 -o x.idx --exact --quantize sq8
expect 2 "--quantize" "$index" -i base.h5 -o x.idx --quantize pq
[[ -e x.idx ]] && fail "a refused build wrote x.idx"
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  cp sq8.idx bad.idx  # naming sq8.idx's hnswlib file, beside it
  /usr/bin/python3 -c "import h5py; h5py.File('bad.idx', 'r+').attrs['quantize'] = 'pq4'"
  expect 1 "bad.idx: quantize: is 'pq4'" "$query" bad.idx -i queries.h5
fi
finish
