#!/usr/bin/env bash
# sim-query and sim-eval as several ranks, each holding its own shard, through the real torchrun
# and through hand-set RANK/WORLD_SIZE/MASTER_* (the Slurm and Kubernetes case), on seeded
# embeddings (make_embeddings), over loopback:
#   - 2 ranks give the TSV of one process over both shards, byte for byte (exact and HNSW; with
#     --match centroid too; HNSW files mapped with --load map too), and sim-eval's figures of the
#     whole gallery;
#   - a shard missing on rank 1: the job fails naming the file, every rank exits 1;
#   - rank 1 killed while rank 0 waits for its queries: rank 0 fails naming rank 1, and prints no
#     partial answer;
#   - sim-query itself links no LibTorch (the ranks come from libsim_ranks.so).
# Usage: distributed_search.sh BIN_DIR make_embeddings
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(cd "$1" && pwd)"
mk="$(realpath "$2")"
tmp="$(mktemp -d)"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
py=/usr/bin/python3

free_port() { $py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Debian's torchrun: underscore flags only; -r 2 -t 2 keeps the ranks' stdout as it is (rank 0's
# answer) while avoiding the crash of its default redirects (docs/distributed.md).
ranks2() { torchrun --nnodes=1 --nproc_per_node=2 --master_port "$(free_port)" -r 2 -t 2 --no_python "$@"; }
# by_hand PORT RANK PROGRAM ARGS...: one rank of 2, as a Slurm or Kubernetes recipe starts it.
by_hand() {
  local port="$1" rank="$2" program="$3"
  shift 3
  MASTER_ADDR=127.0.0.1 MASTER_PORT="$port" WORLD_SIZE=2 RANK="$rank" LOCAL_WORLD_SIZE=2 exec "$bin/$program" "$@"
}

ldd "$bin/sim-query" | grep -q libtorch && fail "sim-query links LibTorch: several ranks are a plugin's job"

"$mk" s0.h5 --n 300 --dim 16 --classes ant,bee,cat --seed 1 --prefix a- --noise 0.8
"$mk" s1.h5 --n 200 --dim 16 --classes cat,dog --seed 2 --prefix b- --noise 0.8
"$mk" q.h5 --n 60 --dim 16 --classes ant,bee,cat,dog --seed 3 --prefix q- --noise 0.8
for s in 0 1; do
  "$bin/sim-index" -i s$s.h5 -o e$s.idx --exact -q && "$bin/sim-index" -i s$s.h5 -o h$s.idx -q ||
    fail "building shard $s"
done

# --- Two ranks answer as one process over both shards ---------------------------------------------
# (--match centroid: rank 0 decides by the prototypes of both shards, "cat" being in each.)
for kind in e h; do
  for match in "" "--match=centroid"; do
    "$bin/sim-query" ${kind}0.idx ${kind}1.idx -i q.h5 -k 7 $match -q >one.tsv || fail "one process over both shards"
    ranks2 "$bin/sim-query" ${kind}0.idx ${kind}1.idx -i q.h5 -k 7 $match -q >ranks.tsv 2>ranks.err ||
      fail "sim-query $match on 2 ranks (torchrun) failed: $(tail -3 ranks.err)"
    cmp -s one.tsv ranks.tsv || fail "$kind $match: 2 ranks answer otherwise than one process: $(diff one.tsv ranks.tsv | head -4)"
  done
done
grep -q $'\tcat$' ranks.tsv || fail "--match centroid over 2 ranks never answers cat: $(head -3 ranks.tsv)"
"$bin/sim-eval" e0.idx e1.idx -i q.h5 --json one.json -q >/dev/null || fail "sim-eval, one process"
# --report too: its projector searches the union again, so the other ranks serve until it is written.
ranks2 "$bin/sim-eval" e0.idx e1.idx -i q.h5 --json ranks.json --report ranks-report -q >/dev/null 2>ranks.err ||
  fail "sim-eval on 2 ranks failed: $(tail -3 ranks.err)"
[[ -f ranks-report/projector.html && -f ranks-report/index.html ]] || fail "sim-eval on 2 ranks wrote no whole report"
$py -c "
import json
a, b = json.load(open('one.json')), json.load(open('ranks.json'))
assert a['metrics'] == b['metrics'] and a['thresholds'] == b['thresholds'] and a['counts'] == b['counts'], (a, b)
" || fail "sim-eval's figures on 2 ranks differ from one process's"

# --load map reaches the ranks: the same answers as one process reading, and a shard whose vector
# was changed at rest to another number (which only read's CRC-32 finds) is refused by reading
# ranks, answered by mapping ones (sim-query(1), --load).
ranks2 "$bin/sim-query" h0.idx h1.idx -i q.h5 -k 7 --load map -q >ranks.tsv 2>ranks.err ||
  fail "sim-query --load map on 2 ranks failed: $(tail -3 ranks.err)"
"$bin/sim-query" h0.idx h1.idx -i q.h5 -k 7 -q | cmp -s - ranks.tsv || fail "2 mapping ranks answer otherwise"
if $py -c "import h5py" 2>/dev/null; then
  cp h1.idx c1.idx && cp h1.idx.g1.hnsw c1.idx.g1.hnsw
  $py - <<'PY' || fail "preparing c1.idx"
import h5py, struct
with h5py.File("c1.idx", "r+") as f:
    f.attrs["hnsw_file"] = "c1.idx.g1.hnsw"
    m = int(f.attrs["M"])
with open("c1.idx.g1.hnsw", "r+b") as g:  # element 0's first component, a little larger
    g.seek(96 + 4 * 2 * m + 4)
    x = struct.unpack("<f", g.read(4))[0]
    g.seek(96 + 4 * 2 * m + 4)
    g.write(struct.pack("<f", x * 1.001 + 1e-3))
PY
  ranks2 "$bin/sim-query" h0.idx c1.idx -i q.h5 -k 7 -q >ranks.tsv 2>ranks.err && fail "reading ranks answered a changed shard"
  grep -q "c1.idx.g1.hnsw" ranks.err || fail "reading ranks did not name the changed file: $(tail -3 ranks.err)"
  ranks2 "$bin/sim-query" h0.idx c1.idx -i q.h5 -k 7 --load map -q >ranks.tsv 2>ranks.err ||
    fail "mapping ranks refused the changed shard (--load map did not reach them?): $(tail -3 ranks.err)"
  "$bin/sim-query" h0.idx c1.idx -i q.h5 -k 7 --load map -q | cmp -s - ranks.tsv ||
    fail "2 mapping ranks answer otherwise than one mapping process"
fi

# By hand, each rank its own process (as Slurm or Kubernetes start them): the same answer.
port="$(free_port)"
(by_hand "$port" 1 sim-query e0.idx e1.idx -i q.h5 -k 7 -q >rank1.out 2>rank1.err) &
rank1=$!
(by_hand "$port" 0 sim-query e0.idx e1.idx -i q.h5 -k 7 -q >rank0.out 2>rank0.err) || fail "rank 0 by hand: $(cat rank0.err)"
wait $rank1 || fail "rank 1 by hand: $(cat rank1.err)"
"$bin/sim-query" e0.idx e1.idx -i q.h5 -k 7 -q | cmp -s - rank0.out || fail "ranks by hand answer otherwise"
[[ -s rank1.out ]] && fail "rank 1 wrote output: $(head -c 200 rank1.out)"

# --- Faults ---------------------------------------------------------------------------------------
# A shard missing on rank 1 (rank 1 is dealt the second path): the job fails naming it.
port="$(free_port)"
(by_hand "$port" 1 sim-query e0.idx missing.idx -i q.h5 >rank1.out 2>rank1.err) &
rank1=$!
(by_hand "$port" 0 sim-query e0.idx missing.idx -i q.h5 >rank0.out 2>rank0.err)
status=$?
wait $rank1
status1=$?
[[ $status == 1 && $status1 == 1 ]] || fail "a missing shard: ranks exited $status and $status1, expected 1 and 1"
grep -q "missing.idx.*(on rank 1)" rank0.err || fail "rank 0 does not name rank 1's missing shard: $(cat rank0.err)"
echo "rank 0, a shard missing on rank 1: $(grep error rank0.err)"
grep -q "rank 0 failed" rank1.err || fail "rank 1 does not say rank 0 failed: $(cat rank1.err)"

# Rank 0 cannot write --json: the job fails on every rank, not on rank 0 alone.
port="$(free_port)"
(by_hand "$port" 1 sim-eval e0.idx e1.idx -i q.h5 --json no-such-dir/out.json >rank1.out 2>rank1.err) &
rank1=$!
(by_hand "$port" 0 sim-eval e0.idx e1.idx -i q.h5 --json no-such-dir/out.json >rank0.out 2>rank0.err)
status=$?
wait $rank1
status1=$?
[[ $status == 1 && $status1 == 1 ]] ||
  fail "rank 0 unable to write --json: ranks exited $status and $status1, expected 1 and 1: $(tail -n 1 rank1.err)"
grep -q "rank 0 failed" rank1.err || fail "rank 1 does not say rank 0 failed: $(cat rank1.err)"

# A quality gate failing on rank 0: every rank exits 3, the job's status.
port="$(free_port)"
(by_hand "$port" 1 sim-eval e0.idx e1.idx -i q.h5 --fail-under precision@1=1.01 >rank1.out 2>rank1.err) &
rank1=$!
(by_hand "$port" 0 sim-eval e0.idx e1.idx -i q.h5 --fail-under precision@1=1.01 >rank0.out 2>rank0.err)
status=$?
wait $rank1
status1=$?
[[ $status == 3 && $status1 == 3 ]] || fail "a failed gate: ranks exited $status and $status1, expected 3 and 3"

# Ranks given different index lists: every rank exits 2 naming both lists.
for program in sim-query sim-eval; do
  port="$(free_port)"
  (by_hand "$port" 1 $program e1.idx e0.idx -i q.h5 >rank1.out 2>rank1.err) &
  rank1=$!
  (by_hand "$port" 0 $program e0.idx e1.idx -i q.h5 >rank0.out 2>rank0.err)
  status=$?
  wait $rank1
  status1=$?
  [[ $status == 2 && $status1 == 2 ]] ||
    fail "$program, other index lists: ranks exited $status and $status1, expected 2 and 2: $(tail -n 1 rank0.err rank1.err)"
  for r in 0 1; do
    grep -qF "given different indexes, so they would not search one union: rank 0 has e0.idx e1.idx; rank 1 has e1.idx e0.idx" \
      rank$r.err || fail "$program rank $r does not name the lists: $(cat rank$r.err)"
  done
done

# Rank 1 killed while rank 0 waits for its queries (on stdin): rank 0 fails naming rank 1, fast,
# and leaves no partial answer.
port="$(free_port)"
mkfifo feed
(by_hand "$port" 1 sim-query e0.idx e1.idx -i - -k 3 --timeout 20 </dev/null >rank1.out 2>rank1.err) &
rank1=$!
(by_hand "$port" 0 sim-query e0.idx e1.idx -i - -k 3 --timeout 20 <feed >rank0.out 2>rank0.err) &
rank0=$!
exec 3>feed
for _ in $(seq 200); do grep -q "searched as one" rank0.err && break; sleep 0.1; done
grep -q "searched as one" rank0.err || fail "the ranks never joined: $(cat rank0.err rank1.err)"
kill -9 $rank1 2>/dev/null
sleep 0.5
start=$(date +%s)
cat q.h5 >&3
exec 3>&-
wait $rank0
status=$?
elapsed=$(($(date +%s) - start))
[[ $status == 1 ]] || fail "rank 1 killed: rank 0 exited $status, expected 1: $(cat rank0.err)"
grep -q "rank 1" rank0.err || fail "rank 0 does not name rank 1: $(cat rank0.err)"
[[ -s rank0.out ]] && fail "rank 0 printed a partial answer: $(head -c 200 rank0.out)"
[[ $elapsed -lt 15 ]] || fail "rank 0 took ${elapsed}s to notice rank 1 was gone"
echo "rank 0, rank 1 killed: $(grep error rank0.err)"

finish
