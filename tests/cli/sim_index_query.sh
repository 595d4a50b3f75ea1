#!/usr/bin/env bash
# sim-index and sim-query through the real programs, on seeded embeddings written here by
# make_embeddings: build, info, TSV and JSON Lines queries, growing an index with a new class,
# deleting, pipes (-i -), streaming, every bad input with its exit status and a message naming the
# file, a closed stdout (| head -c 10) ending cleanly, and pictures (--store-data, --grid).
# Usage: sim_index_query.sh PATH/TO/sim-index PATH/TO/sim-query PATH/TO/make_embeddings FIXTURES_DIR
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
index="$1"
query="$2"
mk="$3"
fx="$4"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"

dims=(--dim 16)
"$mk" base.h5 --n 300 "${dims[@]}" --classes ant,bee,cat,dog --seed 1 --prefix base- --lines base.txt
"$mk" new.h5 --n 40 "${dims[@]}" --classes owl,cat --seed 2 --prefix new-
"$mk" queries.h5 --n 25 "${dims[@]}" --classes ant,bee,cat,dog --seed 3 --prefix q-
"$mk" owlq.h5 --n 10 "${dims[@]}" --classes owl --seed 4 --prefix owlq- --lines owlq.txt
"$mk" dim8.h5 --n 10 --dim 8 --classes ant --seed 5
"$mk" l2.h5 --n 10 "${dims[@]}" --classes ant --distance euclidean
"$mk" l1.h5 --n 30 "${dims[@]}" --classes ant,bee --distance manhattan --prefix l1-
"$mk" other_model.h5 --n 10 "${dims[@]}" --classes ant --fingerprint other --prefix om-
"$mk" empty.h5 --n 0 "${dims[@]}" --classes ant
"$mk" dup.h5 --n 5 "${dims[@]}" --classes ant --prefix base-
[[ -f dup.h5 ]] || { echo "FAIL: make_embeddings did not write the inputs" >&2; exit 1; }

# --- Build, info ------------------------------------------------------------------------------------
expect 0 "" "$index" -i base.h5 -o my.idx --threads 2 --ef 80
[[ -f my.idx && -f my.idx.g1.hnsw ]] || fail "build did not write my.idx and my.idx.g1.hnsw: $(ls)"
expect 0 "type: hnsw" "$index" info my.idx
for line in "count: 300" "deleted: 0" "distance: cosine" "dim: 16" "ef: 80" "M: 16" "ef_construction: 200" \
  "classes: 4 (ant, bee, cat, dog)" "model fingerprint: test-model" "hnswlib file: my.idx.g1.hnsw" \
  '"program":"sim-index"'; do
  grep -qF -- "$line" out || fail "info lacks '$line': $(cat out)"
done

grep -qF "recall: " out && grep -qF "ef set by hand" out || fail "info lacks the recall measured at --ef 80: $(cat out)"

# --- Recall by target ------------------------------------------------------------------------------
expect 0 "" "$index" -i base.h5 -o tuned.idx --target-recall 0.999
expect 0 "ef tuned for 0.999)" "$index" info tuned.idx
grep -q "^recall: \(0\.999[0-9]\|1\.0000\) (recall@10 at ef [0-9]*, 300 sampled of 300 items" out ||
  fail "info lacks the tuned recall: $(grep recall out)"
expect 0 "" "$index" add tuned.idx -i new.h5
expect 0 "340 sampled of 340 items" "$index" info tuned.idx
expect 0 "" "$index" -i base.h5 -o unmeasured.idx --target-recall 0
expect 0 "recall: not measured" "$index" info unmeasured.idx
for bad in 1.5 -0.1 nan; do expect 2 "--target-recall" "$index" -i base.h5 -o x.idx --target-recall $bad; done
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  cp tuned.idx badrecall.idx  # naming tuned.idx's hnswlib file, beside it
  /usr/bin/python3 -c "import h5py; h5py.File('badrecall.idx', 'r+').attrs['recall'] = 1.5"
  expect 1 "badrecall.idx: recall: is 1.5" "$query" badrecall.idx -i queries.h5
fi

# --- Queries: TSV, self-match, JSON Lines, --match ----------------------------------------------------
expect 0 "" "$query" my.idx -i queries.h5 -k 5
[[ $(head -n 1 out) == $'query\trank\tid\tlabel\tdistance' ]] || fail "TSV header: $(head -n 1 out)"
[[ $(wc -l <out) == 126 ]] || fail "expected 1 + 25 x 5 TSV lines, got $(wc -l <out)"
awk -F'\t' 'NR > 1 && ($2 < 1 || $2 > 5 || NF != 5) { bad = 1 } END { exit bad }' out || fail "bad TSV rows"
expect 0 "" "$query" my.idx -i base.h5 -k 1 --threads 2
awk -F'\t' 'NR > 1 && ($1 != $3 || $5 > 1e-5) { bad++ } END { exit bad > 3 }' out ||
  fail "indexed vectors are not their own nearest neighbours at distance ~0: $(head -n 5 out)"
expect 0 '"neighbours":[{"rank":1,"id":"' "$query" my.idx -i queries.h5 -k 3 --format jsonl
[[ $(wc -l <out) == 25 ]] || fail "expected 25 JSON lines, got $(wc -l <out)"
[[ $(grep -c '^{"query":"q-[0-9]*","neighbours":\[.*\]}$' out) == 25 ]] || fail "JSON lines: $(head -n 2 out)"
expect 0 $'\tmatch' "$query" my.idx -i queries.h5 -k 3 --match majority
grep -q "no calibration yet" err || fail "--match without calibration does not say so: $(cat err)"
[[ $(grep -c "no calibration" err) == 1 ]] || fail "the missing calibration is reported more than once"
awk -F'\t' 'NR > 1 && $4 != $6 { bad++ } END { exit bad > 2 }' out || fail "--match disagrees with labels"
expect 0 "" "$query" my.idx -i queries.h5 -k 400 --ef 10 --format jsonl
grep -q '"rank":300,' out || fail "k beyond the index size should return all 300"
grep -q '"rank":301,' out && fail "k beyond the index size returned more than exists"

# --- Grow with a class the index has never seen; delete -------------------------------------------------
expect 0 "" "$index" add my.idx -i new.h5 --threads 2
expect 0 "count: 340" "$index" info my.idx
grep -qF "classes: 5 (ant, bee, cat, dog, owl)" out || fail "new class not merged: $(grep classes out)"
[[ -f my.idx.g2.hnsw && ! -e my.idx.g1.hnsw ]] || fail "generation files after add: $(ls)"
expect 0 "" "$query" my.idx -i owlq.h5 -k 3 --match nearest
awk -F'\t' 'NR > 1 && ($4 != "owl" || $6 != "owl") { bad++ } END { exit bad }' out ||
  fail "queries of the added class do not find it: $(head -n 4 out)"
expect 0 "" "$index" delete my.idx new-0 new-2
expect 0 "deleted: 2" "$index" info my.idx
expect 0 "" "$query" my.idx -i new.h5 -k 5
cut -f3 out | grep -qx -e new-0 -e new-2 && fail "deleted items are still returned"
expect 1 "'nope' is not in the index" "$index" delete my.idx new-1 nope
expect 0 "deleted: 2" "$index" info my.idx

# --- Pipes: -i -, --stream ------------------------------------------------------------------------------
"$mk" - --n 50 "${dims[@]}" --classes ant --seed 8 --prefix p- | "$index" -i - -o piped.idx 2>err
[[ ${PIPESTATUS[1]} == 0 ]] || fail "sim-index -i - failed: $(cat err)"
[[ $(cat queries.h5 | "$query" my.idx -i - -k 2 | wc -l) == 51 ]] || fail "sim-query -i - from a pipe"
"$mk" - --n 5 "${dims[@]}" --classes ant --seed 9 --prefix p2- | "$index" add piped.idx -i - 2>err
[[ ${PIPESTATUS[1]} == 0 ]] || fail "sim-index add -i - failed: $(cat err)"
expect 0 "count: 55" "$index" info piped.idx
head -n 3 owlq.txt | "$query" my.idx --stream -k 2 >out 2>err
[[ $? == 0 && $(wc -l <out) == 7 ]] || fail "--stream: $(cat out err)"
[[ $(sed -n 2p out | cut -f1,2,4) == $'owlq-0\t1\towl' ]] || fail "--stream rows: $(head -n 3 out)"
head -n 2 base.txt | cut -f2 | "$query" my.idx --stream -k 1 --format jsonl >out 2>err
grep -q '^{"query":"1","neighbours":\[{"rank":1,"id":"base-0","label":"ant","distance":' out ||
  fail "--stream without ids: $(cat out err)"
# Answers come as each line arrives, not at end of input: the first is out while stdin is still open.
fifo="$tmp/fifo"
mkfifo "$fifo"
"$query" my.idx --stream -k 1 <"$fifo" >stream.out 2>stream.err &
pid=$!
exec 3>"$fifo"
head -n 1 owlq.txt >&3
for _ in $(seq 50); do [[ $(wc -l <stream.out) -ge 2 ]] && break; sleep 0.1; done
[[ $(wc -l <stream.out) -ge 2 ]] || fail "--stream did not answer before the end of its input"
exec 3>&-
wait "$pid" || fail "--stream exited non-zero"
printf '0.1,0.2\n' | "$query" my.idx --stream >out 2>err
[[ $? == 1 ]] && grep -q -- "-: line 1: expected 16 numbers" err || fail "bad --stream line: $(cat err)"

# A closed stdout ends the program with a message, not a signal or a core dump.
"$query" my.idx -i base.h5 -k 50 2>err | head -c 10 >/dev/null
status=${PIPESTATUS[0]}
[[ $status == 0 || $status == 1 ]] || fail "| head -c 10: exit status $status"
yes "$(head -n 1 owlq.txt)" | head -n 20000 | "$query" my.idx --stream -k 3 2>err | head -c 10 >/dev/null
status=${PIPESTATUS[2]}
[[ $status == 0 || $status == 1 ]] || fail "--stream | head -c 10: exit status $status"

# --- Exact index: manhattan, replace, drop on delete -----------------------------------------------------
expect 1 "--exact" "$index" -i l1.h5 -o l1.idx
expect 0 "" "$index" -i l1.h5 -o l1.idx --exact
[[ -f l1.idx && ! -e l1.idx.g1.hnsw ]] || fail "an exact index is one file: $(ls l1.idx*)"
expect 0 "type: exact" "$index" info l1.idx
expect 0 "" "$index" delete l1.idx l1-3
expect 0 "count: 29" "$index" info l1.idx
expect 0 $'l1-0\t1\tl1-0\tant\t0' "$query" l1.idx -i l1.h5 -k 1
"$mk" two.h5 --n 2 "${dims[@]}" --classes ant --prefix two- --distance euclidean
expect 0 "" "$index" -i two.h5 -o two.idx --exact
expect 0 "" "$index" delete two.idx two-0 two-1
expect 0 "count: 0" "$index" info two.idx
expect 0 $'query\trank\tid\tlabel\tdistance' "$query" two.idx -i two.h5
[[ $(wc -l <out) == 1 ]] || fail "an empty index answers with the header only: $(cat out)"

# --- Bad input: exit 1 naming the file ----------------------------------------------------------------------
cp my.idx keep.idx
expect 1 "dim8.h5: dim: is 8" "$index" add my.idx -i dim8.h5
expect 1 "l2.h5: distance: is euclidean" "$index" add my.idx -i l2.h5
expect 1 "other_model.h5: model_fingerprint" "$index" add my.idx -i other_model.h5
expect 1 "empty.h5: embeddings: holds no items" "$index" add my.idx -i empty.h5
expect 1 "empty.h5: embeddings: holds no items" "$index" -i empty.h5 -o e.idx
expect 1 "dup.h5: ids: 'base-0' is already in" "$index" add my.idx -i dup.h5
# A build's options would fall through to a command and be ignored: refused, exit 2.
expect 2 "--distance: is not an option of 'sim-index add'" "$index" add my.idx -i new.h5 --distance euclidean
expect 2 "--M: is not an option of 'sim-index add'" "$index" add my.idx -i new.h5 --M 8
expect 2 "--output: is not an option of 'sim-index info'" "$index" info my.idx -o other.idx
expect 2 "--replace: is not an option of 'sim-index delete'" "$index" delete my.idx base-0 --replace
cmp -s my.idx keep.idx || fail "a refused add changed the index"
expect 0 "" "$index" add my.idx -i dup.h5 --replace
expect 0 "" "$index" add my.idx -i other_model.h5 --force
# A vector dataset (features + labels) is indexed as it is; images must be embedded first.
expect 0 "" "$index" -i "$fx/vectors.h5" -o v.idx --distance euclidean
expect 0 "distance: euclidean" "$index" info v.idx
expect 2 "embed them with sim-embed" "$index" -i "$fx/images" -o v2.idx
# A text file is a CSV/TSV dataset and its reader says what is wrong; a binary one is not HDF5.
printf 'id,label,x\nr0,a,1\nr1,b\n' >short.csv
expect 1 "short.csv: line 3: has 2 fields, the header has 3" "$index" -i short.csv -o v2.idx
printf '\x00\x01\x02 not HDF5' >junk.h5
expect 1 "junk.h5: not an HDF5 file" "$index" -i junk.h5 -o v2.idx
# Columns named otherwise, for a build and for add.
printf 'name,class,x,y\nr0,a,1,0\nr1,b,0,1\n' >cols.csv
printf 'name,class,x,y\nr2,c,1,1\n' >cols2.csv
expect 1 "no column 'label'" "$index" -i cols.csv -o cols.idx
expect 0 "" "$index" -i cols.csv -o cols.idx --label-column class --id-column name --exact
expect 0 "" "$index" add cols.idx -i cols2.csv --label-column class --id-column name
expect 0 "classes: 3 (a, b, c)" "$index" info cols.idx
printf 'r2\t1\t1\n' | "$query" cols.idx --stream -k 1 >out 2>/dev/null
grep -q $'^r2\t1\tr2\tc\t' out || fail "the added CSV row is not found: $(cat out)"
expect 2 "--distance" "$index" -i base.h5 -o v2.idx --distance euclidean
[[ -e v2.idx ]] && fail "a refused build wrote v2.idx"
expect 1 "no-such.h5" "$index" -i no-such.h5 -o v.idx
expect 1 "base.h5: exists and is not a sim index" "$index" -i queries.h5 -o base.h5
expect 1 "queries.h5: format: is an embeddings file" "$query" queries.h5 -i queries.h5
expect 1 "dim8.h5: dim: is 8" "$query" my.idx -i dim8.h5
expect 1 "other_model.h5: model_fingerprint" "$query" piped.idx -i other_model.h5
expect 0 "" "$query" piped.idx -i other_model.h5 --force

mkdir -p bad
"$index" -i base.h5 -o bad/a.idx 2>/dev/null
"$index" -i queries.h5 -o bad/b.idx 2>/dev/null
cp bad/a.idx.g1.hnsw bad/a.backup
cp bad/b.idx.g1.hnsw bad/a.idx.g1.hnsw
expect 1 "bad/a.idx.g1.hnsw: is" "$query" bad/a.idx -i queries.h5
cp bad/a.backup bad/a.idx.g1.hnsw
truncate -s 1000 bad/a.idx.g1.hnsw
expect 1 "not the file its sidecar was written with (truncated or replaced)" "$query" bad/a.idx -i queries.h5
expect 1 "not the file its sidecar was written with (truncated or replaced)" "$index" info bad/a.idx
rm bad/a.idx.g1.hnsw
expect 1 "bad/a.idx.g1.hnsw: cannot open the index's hnswlib file" "$query" bad/a.idx -i queries.h5
expect 1 "bad/a.idx.g1.hnsw: cannot open the index's hnswlib file" "$index" info bad/a.idx
cp bad/a.backup bad/a.idx.g1.hnsw
head -c 2000 bad/a.idx >bad/cut.idx
expect 1 "bad/cut.idx" "$query" bad/cut.idx -i queries.h5
expect 1 "bad/cut.idx" "$index" info bad/cut.idx
expect 0 "count: 300" "$index" info bad/a.idx

# --- Pictures: --store-data, --grid --------------------------------------------------------------------------
# Items named as sim-embed names IDX items (FILE#ROW): the fixtures' 60 training and 20 test images.
png_size() { python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24); assert d[:8] == b"\x89PNG\r\n\x1a\n"; print(*struct.unpack(">II", d[16:24]))' "$1"; }
mkdir -p pics
cp "$fx/idx/train-images-idx3-ubyte.gz" pics/train-images.gz
"$mk" pics.h5 --n 60 "${dims[@]}" --classes ant,bee,cat --seed 11 --prefix "pics/train-images.gz#"
"$mk" picq.h5 --n 12 "${dims[@]}" --classes ant,bee,cat --seed 12 --prefix "$fx/idx/t10k-images-idx3-ubyte#"
expect 0 "data: none" "$index" info my.idx
expect 0 "" "$index" -i pics.h5 -o stored.idx --store-data
expect 0 "" "$index" -i pics.h5 -o bare.idx
expect 0 "data: pictures of 60 of 60 items, " "$index" info stored.idx
expect 0 "data: none" "$index" info bare.idx
rm pics/train-images.gz  # the stored index is self-contained; the other one has lost its pictures
expect 0 "" "$query" stored.idx -i picq.h5 -k 5
mv out plain.tsv
expect 0 "" "$query" stored.idx -i picq.h5 -k 5 --grid grid.png --grid-rows 4
cmp -s out plain.tsv || fail "--grid changed the text output"
grep -q "no picture" err && fail "stored pictures not used: $(cat err)"
read -r w54 h54 < <(png_size grid.png) || fail "--grid wrote no PNG: $(ls)"
expect 0 "" "$query" bare.idx -i picq.h5 -k 5 --grid bare.png --grid-rows 4
grep -q "no picture" err || fail "missing pictures are not reported: $(cat err)"
[[ $(grep -c "no picture" err) -le 5 ]] || fail "every missing picture reported: $(grep -c "no picture" err) lines"
grep -q "pictures not found, drawn as empty boxes" err || fail "no count of missing pictures: $(cat err)"
[[ $(png_size bare.png) == "$w54 $h54" ]] || fail "grid without pictures: $(png_size bare.png), expected $w54 $h54"
cmp -s bare.png grid.png && fail "a grid without pictures is the same as one with them"
expect 0 "" "$query" bare.idx -i picq.h5 -k 3 --grid small.png --grid-rows 2
read -r w32 h32 < <(png_size small.png)
# Two neighbours more add two columns, two queries more two rows, each larger than a 96-pixel cell.
column=$(((w54 - w32) / 2))
row=$(((h54 - h32) / 2))
[[ $((w54 - w32)) == $((2 * column)) && $column -gt 96 && $row -gt 96 && $w54 -ge $((6 * column)) &&
  $h54 -ge $((4 * row)) ]] || fail "grid sizes: k 5 x 4 queries $w54 x $h54, k 3 x 2 queries $w32 x $h32"
expect 0 "" "$query" stored.idx -i picq.h5 -k 5 --grid all.png --grid-rows 200
[[ $(png_size all.png) == "$w54 $((h54 + 8 * row))" ]] || fail "--grid-rows beyond the queries: $(png_size all.png)"
# A bad --grid path fails before any work; a failed run leaves the previous picture and no temporary.
expect 1 "nodir/g.png" "$query" stored.idx -i picq.h5 --grid nodir/g.png
[[ -s out ]] && fail "a bad --grid path printed results first"
mkdir -p gdir
expect 1 "gdir" "$query" stored.idx -i picq.h5 --grid gdir
cp grid.png keep.png
expect 1 "dim8.h5: dim: is 8" "$query" stored.idx -i dim8.h5 --grid keep.png
cmp -s keep.png grid.png || fail "a failed run changed the --grid file"
ls -A | grep -q '\.tmp\.' && fail "temporary files left: $(ls -A)"
expect 2 "--grid" "$query" stored.idx --stream --grid g.png
expect 2 "--grid-rows" "$query" stored.idx -i picq.h5 --grid g.png --grid-rows 0
[[ -e g.png ]] && fail "a usage error wrote g.png"

# --- Usage errors: exit 2 ---------------------------------------------------------------------------------
expect 2 "required" "$index"
expect 2 "--M" "$index" -i base.h5 -o x.idx --M 1
expect 2 "ids" "$index" delete my.idx
expect 2 "-i" "$query" my.idx
expect 2 "-i" "$query" my.idx -i queries.h5 --stream
expect 2 "--format" "$query" my.idx -i queries.h5 --format xml
expect 2 "-k" "$query" my.idx -i queries.h5 -k 0

finish
