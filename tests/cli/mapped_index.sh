#!/usr/bin/env bash
# sim-query and sim-eval --load map open an index's hnswlib file memory-mapped: the same answers,
# byte for byte, as reading it whole (--load read, the default), quantised or not; a file damaged
# where the searches go is an error naming it; and a file truncated under a running mapped reader
# ends it with exit status 1 and a message naming the file, never a bare SIGBUS.
# Usage: mapped_index.sh PATH/TO/sim-index PATH/TO/sim-query PATH/TO/sim-eval PATH/TO/make_embeddings
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
index="$1"
query="$2"
eval_="$3"
mk="$4"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"

"$mk" base.h5 --n 600 --dim 16 --classes ant,bee,cat --seed 21 --prefix b- --distance euclidean
"$mk" q.h5 --n 40 --dim 16 --classes ant,bee,cat --seed 22 --prefix q- --distance euclidean --lines q.txt
[[ -f q.txt ]] || { echo "FAIL: make_embeddings did not write the inputs" >&2; exit 1; }
expect 0 "" "$index" -i base.h5 -o plain.idx -q
expect 0 "" "$index" -i base.h5 -o sq8.idx --quantize sq8 -q
for idx in plain.idx sq8.idx; do
  for load in read map; do
    "$query" $idx -i q.h5 -k 7 --load $load -q >"$idx.$load.tsv" 2>err || fail "sim-query $idx --load $load: $(cat err)"
    "$eval_" $idx -i q.h5 --load $load -q >"$idx.$load.eval" 2>err || fail "sim-eval $idx --load $load: $(cat err)"
  done
  cmp -s "$idx.read.tsv" "$idx.map.tsv" || fail "$idx: sim-query answers differ mapped and read"
  cmp -s "$idx.read.eval" "$idx.map.eval" || fail "$idx: sim-eval figures differ mapped and read"
  [[ -s $idx.map.tsv ]] || fail "$idx: no answers"
done
"$query" plain.idx -i q.h5 -k 7 -q >default.tsv 2>err || fail "sim-query plain.idx: $(cat err)"
cmp -s default.tsv plain.idx.read.tsv || fail "the default is not --load read"
expect 2 "--load" "$query" plain.idx -i q.h5 --load mmap

# A NaN where the searches go: an error naming the file (read finds it at the start, map when met).
cp plain.idx nan.idx && cp plain.idx.g1.hnsw nan.idx.g1.hnsw
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  /usr/bin/python3 - <<'PY' || fail "preparing nan.idx"
import h5py, struct
with h5py.File("nan.idx", "r+") as f:
    f.attrs["hnsw_file"] = "nan.idx.g1.hnsw"
    m, dim, n = int(f.attrs["M"]), int(f.attrs["dim"]), int(f.attrs["count"])
record = 4 * 2 * m + 4 + 4 * dim + 8
with open("nan.idx.g1.hnsw", "r+b") as g:  # every vector's first component: the CRC-32 then differs
    for i in range(n):
        g.seek(96 + i * record + 4 * 2 * m + 4)
        g.write(struct.pack("<f", float("nan")))
PY
  expect 1 "nan.idx.g1.hnsw" "$query" nan.idx -i q.h5 --load map
  expect 1 "nan.idx.g1.hnsw" "$query" nan.idx -i q.h5 --load read
fi

# Truncated under a running mapped reader: exit 1 naming the file.
mkfifo feed
timeout 60 "$query" plain.idx --stream -k 3 --load map -q <feed >stream.out 2>stream.err &
reader=$!
exec 3>feed
head -n 1 q.txt >&3
for _ in $(seq 100); do [[ $(wc -l <stream.out) -ge 4 ]] && break; sleep 0.1; done
[[ $(wc -l <stream.out) -ge 4 ]] || fail "the mapped reader did not answer its first query: $(cat stream.err)"
truncate -s 0 plain.idx.g1.hnsw
sed -n 2p q.txt >&3
exec 3>&-
wait $reader
status=$?
[[ $status == 1 ]] || fail "a reader whose mapped file was truncated exited $status, expected 1: $(cat stream.err)"
grep -qF "plain.idx.g1.hnsw: truncated or changed while it was being read (memory-mapped)" stream.err ||
  fail "no message naming the truncated file: $(cat stream.err)"
finish
