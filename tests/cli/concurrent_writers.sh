#!/usr/bin/env bash
# Writers of one index exclude each other and readers never fail while they write
# (search/index_lock.hpp). With real parallel processes, many times over:
#   - N parallel `sim-index add --wait` of distinct items (N = 2, 4, 8) x TRIALS: every item of
#     every add is in the index afterwards, the index is sound, and one hnswlib file is left;
#   - sim-query looping against the index during those adds never fails;
#   - without --wait, a second writer fails at once with a message naming the holder, and loses
#     nothing of the first;
#   - sim-eval --write racing an add keeps both: the calibration and the added items.
# Usage: concurrent_writers.sh BIN_DIR [TRIALS]   (CI: 10 trials; the figure in docs/benchmarks.md: 20)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
trials="${2:-3}"
tmp="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
one=(--threads 1 -q)

# base.h5 (600 items) and part1..part8.h5 (50 items each, ids of their own), 16-d, 4 classes.
/usr/bin/python3 "$here/write_embeddings.py" 23 16 base.h5:600:b \
  part1.h5:50:p1_ part2.h5:50:p2_ part3.h5:50:p3_ part4.h5:50:p4_ part5.h5:50:p5_ part6.h5:50:p6_ \
  part7.h5:50:p7_ part8.h5:50:p8_ queries.h5:40:q || { echo "FAIL: could not write the inputs" >&2; exit 1; }
# fresh_index: idx, a new index of base.h5 (copies would name the original's hnswlib file).
fresh_index() {
  rm -f idx idx.*
  # (--target-recall 0: no recall measured at build or after the adds, which is not what is tested)
  "$bin/sim-index" -i base.h5 -o idx "${one[@]}" --target-recall 0 || { echo "FAIL: cannot build the index" >&2; exit 1; }
}

# check_index INDEX PARTS: the sidecar holds base's and part1..PARTS's ids, once each, none
# deleted; sim-index info accepts it; exactly one hnswlib file is beside it.
check_index() {
  local index="$1" parts="$2" problem
  problem="$(/usr/bin/python3 - "$index" "$parts" <<'PY'
import sys, h5py
index, parts = sys.argv[1], int(sys.argv[2])
with h5py.File(index, "r") as f:
    ids = [i.decode() for i in f["ids"][:]]
    deleted = int(f["deleted"][:].sum())
want = {"b%d" % i for i in range(600)} | {"p%d_%d" % (p, i) for p in range(1, parts + 1) for i in range(50)}
missing, extra = want - set(ids), set(ids) - want
if missing or extra or len(ids) != len(set(ids)) or deleted:
    print("%d missing (e.g. %s), %d unexpected, %d ids for %d distinct, %d deleted"
          % (len(missing), sorted(missing)[:3], len(extra), len(ids), len(set(ids)), deleted))
PY
)"
  [[ -z $problem ]] || { fail "$index after $parts adds: $problem"; return; }
  "$bin/sim-index" info "$index" >/dev/null 2>info.err || fail "$index after $parts adds: $(tail -n 2 info.err)"
  local files=("$index".g*.hnsw)
  [[ ${#files[@]} == 1 ]] || fail "$index after $parts adds: ${#files[@]} hnswlib files left: ${files[*]}"
}

# N parallel adds, TRIALS times each, with sim-query looping against the index meanwhile.
query_runs=0
query_failures=0
for n in 2 4 8; do
  lost_trials=0
  for ((t = 1; t <= trials; t++)); do
    fresh_index
    rm -f stop
    (
      while [[ ! -e stop ]]; do
        "$bin/sim-query" idx -i queries.h5 -k 3 "${one[@]}" >/dev/null 2>>query.err
        echo $? >>query.status
      done
    ) &
    looper=$!
    pids=()
    for ((p = 1; p <= n; p++)); do
      "$bin/sim-index" add idx -i "part$p.h5" --wait "${one[@]}" 2>"add$p.err" &
      pids+=($!)
    done
    for ((p = 1; p <= n; p++)); do
      wait "${pids[p - 1]}" || fail "N=$n trial $t: add $p exited $?: $(tail -n 2 "add$p.err")"
    done
    touch stop
    wait "$looper"
    before=$failures
    check_index idx "$n"
    [[ $failures == "$before" ]] || lost_trials=$((lost_trials + 1))
  done
  echo "N=$n: $trials trials, $lost_trials with an item lost or the index unsound"
done
if [[ -s query.status ]]; then
  query_runs=$(wc -l <query.status)
  query_failures=$(grep -vcx 0 query.status)
fi
echo "sim-query during the adds: $query_runs runs, $query_failures failed"
[[ $query_failures == 0 ]] || fail "sim-query failed during adds: $(sort query.err | uniq -c | head -n 3)"
[[ $query_runs -gt 0 ]] || fail "sim-query never ran during the adds"

# Without --wait a second writer fails at once, naming the holder; the first loses nothing.
fresh_index
exec 9>idx.lock
/usr/bin/python3 - 9 <<'PY' &
# Holds the writer lock (byte 0, an open-file-description lock as sim's writers take) for 2 s.
import fcntl, os, struct, sys, time
fd = int(sys.argv[1])
os.write(fd, b"4242 sim-index\n")
fcntl.fcntl(fd, 37, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 1, 0))  # F_OFD_SETLK
open("held", "w").close()
time.sleep(2)
PY
holder=$!
exec 9>&-
for ((i = 0; i < 200; i++)); do [[ -e held ]] && break; sleep 0.01; done
start=$SECONDS
expect 1 "is being written by sim-index (pid 4242)" "$bin/sim-index" add idx -i part1.h5 "${one[@]}"
grep -qF -- "--wait" err || fail "the refused writer does not mention --wait: $(cat err)"
[[ $((SECONDS - start)) -le 1 ]] || fail "the refused writer took $((SECONDS - start)) s to fail"
expect 1 "is being written by" "$bin/sim-index" delete idx b1 "${one[@]}"
expect 1 "is being written by" "$bin/sim-index" -i part2.h5 -o idx "${one[@]}"
"$bin/sim-index" add idx -i part1.h5 --wait "${one[@]}" 2>wait.err || fail "add --wait failed: $(cat wait.err)"
wait "$holder"
check_index idx 1

# sim-eval --write racing an add: both land.
for ((t = 1; t <= trials; t++)); do
  fresh_index
  "$bin/sim-eval" idx -i queries.h5 --write --wait "${one[@]}" >/dev/null 2>eval.err &
  eval_pid=$!
  "$bin/sim-index" add idx -i part1.h5 --wait "${one[@]}" 2>add.err || fail "add racing eval: $(cat add.err)"
  wait "$eval_pid" || fail "sim-eval --write racing an add: $(tail -n 2 eval.err)"
  check_index idx 1
  /usr/bin/python3 -c 'import h5py,sys; sys.exit(0 if "calibration" in h5py.File("idx","r") else 1)' ||
    fail "trial $t: the calibration of sim-eval --write was lost to the add"
done
expect 2 "--wait is for --write" "$bin/sim-eval" idx -i queries.h5 --wait "${one[@]}"

finish
