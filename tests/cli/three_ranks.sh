#!/usr/bin/env bash
# sim-train with 3 ranks end to end (2 is a special case: one peer, one half of every batch):
#   - torchrun --nproc_per_node 3: the run succeeds, every rank ends with the same weights, the
#     model loads;
#   - by hand, one rank started with another setting: all three exit 2 at the join, each naming
#     the setting and every rank's value; no model;
#   - by hand, rank 0 (which also serves the rendezvous store) killed, then stopped: ranks 1 and 2
#     fail within seconds, and within --timeout, naming rank 0; no model.
# Usage: three_ranks.sh BIN_DIR
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(cd "$1" && pwd)"
data=/usr/share/datasets/fashion-mnist
tmp="$(mktemp -d)"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=ranks_lib.sh
source "$here/ranks_lib.sh"
world=3
small=("$data" --per-class 60 --val-split 0 --threads 1)

# --- torchrun: 3 ranks -------------------------------------------------------------------------
torchrun_train 3 tr.log "${small[@]}" -o tr.sim --steps 6 -v || fail "torchrun with 3 ranks failed: $(tail -3 tr.log)"
expect 0 "" "$bin/sim-info" tr.sim
same_fingerprints tr.log
grep -q "sim-train rank 2: " tr.log || fail "rank 2 does not say its rank: $(head -3 tr.log)"

# start_ranks TAG ARGS...: ranks 0, 1 and 2 by hand on a fresh port, logs TAG0.log ... TAG2.log,
# pids in ${pids[@]}. Per-rank flags: extra0, extra1, extra2 (arrays, may be empty).
extra0=() extra1=() extra2=()
start_ranks() {
  local tag="$1" port rank
  shift
  port="$(free_port)"
  pids=()
  for rank in 0 1 2; do
    local -n extra="extra$rank"
    by_hand "$port" "$rank" "$@" "${extra[@]}" >/dev/null 2>"$tag$rank.log" &
    pids+=($!)
  done
}

# --- one rank given another setting: every rank stops at the join -------------------------------
extra2=(--dim 32)
start_ranks dis "${small[@]}" -o dis.sim --steps 2
for rank in 0 1 2; do
  wait "${pids[$rank]}"
  status=$?
  [[ $status == 2 ]] || fail "rank $rank of 3, rank 2 given --dim 32, exited $status: $(tail -n 2 dis$rank.log)"
  grep -qF -- "Differing: --dim (rank 0: 64; rank 1: 64; rank 2: 32)" "dis$rank.log" ||
    fail "rank $rank does not name --dim and every rank's value: $(tail -n 2 dis$rank.log)"
done
[[ -e dis.sim ]] && fail "3 ranks that disagree wrote a model"
extra2=()

# --- rank 0 killed, then stopped: ranks 1 and 2 name it -------------------------------------------
# lose_rank0 SIGNAL SECONDS MESSAGE: rank 0 of a long run gets SIGNAL once the run is under way;
# ranks 1 and 2 must exit non-zero within SECONDS, each saying MESSAGE; no model is written.
lose_rank0() {
  local signal="$1" seconds="$2" message="$3" start rank status
  rm -f long.sim long.sim.ckpt
  start_ranks lost "${small[@]}" -o long.sim --steps 100000 --timeout 6
  for _ in $(seq 100); do [[ -e long.sim.ckpt ]] && break; sleep 0.2; done
  [[ -e long.sim.ckpt ]] || fail "the long run wrote no checkpoint: $(tail -2 lost0.log)"
  kill "-$signal" "${pids[0]}"
  start=$SECONDS
  for rank in 1 2; do
    wait "${pids[$rank]}"
    status=$?
    [[ $status != 0 ]] && grep -qF "$message" "lost$rank.log" ||
      fail "after SIG$signal of rank 0, rank $rank: $status, $(tail -1 lost$rank.log)"
  done
  ((SECONDS - start <= seconds)) || fail "ranks 1 and 2 took $((SECONDS - start)) s to notice rank 0's SIG$signal"
  kill -9 "${pids[0]}" 2>/dev/null
  { wait "${pids[0]}"; } 2>/dev/null
  [[ -e long.sim ]] && fail "a model was written by a job that lost rank 0 (SIG$signal)"
}
lose_rank0 KILL 10 "lost rank 0, which serves the rendezvous store at 127.0.0.1:"
lose_rank0 STOP 8 "lost rank 0, which serves the rendezvous store at 127.0.0.1:"

finish
