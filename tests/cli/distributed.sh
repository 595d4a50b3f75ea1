#!/usr/bin/env bash
# sim-train data-parallel over c10d/Gloo on loopback (docs/distributed.md), with real ranks:
#   - 2 ranks through the real torchrun, and 2 through hand-set RANK/WORLD_SIZE/MASTER_*: both
#     succeed, the model loads, rank 0 alone writes, every rank ends with the same weights;
#   - equivalence: the loss of each of the first steps equals one process's at the same batch
#     (a proxy loss, whose proxies the ranks share, a two-view loss, the default loss, and with a
#     cross-batch memory, also killed and resumed on both ranks), and with --split-loss on; a
#     TorchScript backbone's batch norm statistics identical on both ranks (rank 0's, as
#     DistributedDataParallel keeps them), and sim's own with --sync-batch-norm auto at 80 rows a rank;
#   - faults: a rank killed with -9 fails the other within 10 s naming it, no model written; a
#     stopped rank fails the job within --timeout, rank 0 (the store's server) too; a rank that
#     fails on its own is named with its message; torchrun --max_restarts 1 after a kill resumes
#     from the checkpoint to a valid model; a second job on the same port gets a clear error and
#     the first is unharmed; bad variables are usage errors.
# Usage: distributed.sh BIN_DIR   (SIM_SANITIZED=1: the torchrun run and the variables only)
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
# Synchronised batch norms where runs are compared with one process (auto would not, at 80 rows a rank).
small=("$data" --per-class 60 --val-split 0 --threads 1 --sync-batch-norm on)

# losses LOG RANK_PREFIX: the per-step losses of -v, one per line.
losses() { grep -o "$2: debug: step [0-9]*: loss [0-9.e+-]*" "$1" | awk '{print $NF}'; }

# close_losses A B [TOLERANCE]: every step's loss within 1e-5 (or TOLERANCE) relative: float
# rounding, not different samples.
close_losses() {
  paste "$1" "$2" | awk -v tol="${3:-1e-5}" 'NF == 2 { n++; d = $1 - $2; if (d < 0) d = -d; if (d > tol * $1) bad++ }
    END { exit (n < 4 || bad > 0) }' || fail "losses differ from one process's: $(paste "$1" "$2" | tr '\n\t' '; ')"
}

# train_pair NAME ARGS...: 2 ranks by hand with ARGS, logging to NAME0.log and NAME1.log; both must succeed.
train_pair() {
  local name="$1" port r0
  shift
  port="$(free_port)"
  by_hand "$port" 0 "$@" 2>"${name}0.log" &
  r0=$!
  (by_hand "$port" 1 "$@") 2>"${name}1.log" || fail "$name: rank 1 failed: $(tail -2 "${name}1.log")"
  wait $r0 || fail "$name: rank 0 failed: $(tail -2 "${name}0.log")"
}

# --- torchrun: 2 ranks, a proxy loss --------------------------------------------------------
torchrun_train 2 tr.log "${small[@]}" -o tr.sim --steps 4 --loss arcface -v || fail "torchrun run failed: $(tail -3 tr.log)"
expect 0 "" "$bin/sim-info" tr.sim
same_fingerprints tr.log
grep -q "sim-train rank 1: " tr.log || fail "rank 1 does not say its rank: $(head -3 tr.log)"

# --- bad variables: usage errors naming them ----------------------------------------------------
WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 expect 2 "RANK" "$bin/sim-train" "${small[@]}" -o x.sim
RANK=abc WORLD_SIZE=2 expect 2 "RANK: must be a whole number" "$bin/sim-train" "${small[@]}" -o x.sim
WORLD_SIZE=2 RANK=2 expect 2 "RANK: must be a whole number in [0, 1]" "$bin/sim-train" "${small[@]}" -o x.sim
[[ -e x.sim ]] && fail "a refused run wrote a model"

# --- the five variables PyTorch's env:// scripts set, LOCAL_WORLD_SIZE not among them --------------
port="$(free_port)"
pids=()
for rank in 0 1; do  # no --threads: what the default assumes is the point
  MASTER_ADDR=127.0.0.1 MASTER_PORT="$port" WORLD_SIZE=2 RANK=$rank LOCAL_RANK=$rank \
    "$bin/sim-train" "${small[@]:0:5}" -o five.sim --steps 2 >/dev/null 2>"five$rank.log" &
  pids+=($!)
done
wait "${pids[0]}" && wait "${pids[1]}" || fail "RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT alone: $(tail -n 3 five0.log five1.log)"
grep -q "LOCAL_WORLD_SIZE is not set: assuming all 2 ranks share this machine" five0.log ||
  fail "no line says what --threads assumed without LOCAL_WORLD_SIZE: $(head -n 5 five0.log)"
[[ -f five.sim ]] || fail "the run without LOCAL_WORLD_SIZE wrote no model"

# --- ranks that disagree stop at the join: exit 2 on every rank, naming what differs -------------
# disagree WHAT RANK0_FLAGS -- RANK1_FLAGS: both ranks exit 2 and name WHAT; no model is written.
disagree() {
  local what="$1" flags0=() flags1=() side=0
  shift
  for arg in "$@"; do
    if [[ $arg == -- ]]; then side=1; elif [[ $side == 0 ]]; then flags0+=("$arg"); else flags1+=("$arg"); fi
  done
  local port pids=() status
  port="$(free_port)"
  (by_hand "$port" 0 "$data" --val-split 0 --threads 1 -o dis.sim --steps 2 "${flags0[@]}") >/dev/null 2>dis0.log &
  pids+=($!)
  (by_hand "$port" 1 "$data" --val-split 0 --threads 1 -o dis.sim --steps 2 "${flags1[@]}") >/dev/null 2>dis1.log &
  pids+=($!)
  for rank in 0 1; do
    wait "${pids[$rank]}"
    status=$?
    [[ $status == 2 ]] || fail "$what: rank $rank exited $status, expected 2: $(tail -n 2 dis$rank.log)"
    grep -qF -- "Differing: $what (rank 0: " "dis$rank.log" || fail "$what: rank $rank does not name it: $(tail -n 2 dis$rank.log)"
  done
  [[ -e dis.sim ]] && fail "$what: ranks that disagree wrote a model"
  rm -f dis.sim
}
disagree "--dim" --per-class 60 -- --per-class 60 --dim 32
disagree "--loss" --per-class 60 -- --per-class 60 --loss triplet
disagree "--examples-per-class" --per-class 60 -- --per-class 60 --examples-per-class 8
disagree "--aug-pad" --per-class 60 --aug-pad 1 -- --per-class 60
disagree "--aug-crop-scale" --per-class 60 --aug-preset simclr -- --per-class 60 --aug-preset simclr --aug-crop-scale 0.5,1
disagree "--seed" --per-class 60 -- --per-class 60 --seed 3
disagree "--xbm-size" --per-class 60 -- --per-class 60 --xbm-size 64
disagree "--sync-batch-norm" --per-class 60 -- --per-class 60 --sync-batch-norm on
disagree "--split-loss" --per-class 60 --split-loss on -- --per-class 60
disagree "the training items" --per-class 60 -- --per-class 50

if [[ ${SIM_SANITIZED:-0} == 1 ]]; then finish; exit; fi

# --- equivalence with one process -------------------------------------------------------------
"$bin/sim-train" "${small[@]}" -o one_arc.sim --steps 4 --loss arcface -v 2>one_arc.log || fail "one process failed"
losses one_arc.log "sim-train" >one_arc.txt
losses tr.log "sim-train rank 0" >two_arc.txt
close_losses one_arc.txt two_arc.txt

# --- by hand: 2 ranks, a two-view loss --------------------------------------------------------
two_views=("${small[@]}" --steps 4 --loss ntxent --aug-flip --optimizer sgd -v)  # SGD: see below
train_pair hand "${two_views[@]}" -o hand.sim
expect 0 "" "$bin/sim-info" hand.sim
same_fingerprints hand0.log hand1.log
"$bin/sim-train" "${two_views[@]}" -o one_ntx.sim 2>one_ntx.log || fail "one process failed"
losses one_ntx.log "sim-train" >one_ntx.txt
losses hand0.log "sim-train rank 0" >two_ntx.txt
close_losses one_ntx.txt two_ntx.txt

# BYOL: the target network (a moving average, batch norms synchronised like the online ones) and
# its heads stay identical on both ranks, and the losses are one process's up to rounding: the
# ranks' batch statistics add two halves where one process adds the whole batch, and BYOL's early
# steps amplify that last-digit difference (6e-8 relative at the first step, 3e-4 at the sixth
# with SGD; Adam, as below, more), so the bar is 1e-3 over 4 steps.
byol=("${small[@]}" --steps 4 --loss byol --head-width 32 --batch-size 64 --optimizer sgd -v)
train_pair byol "${byol[@]}" -o byol.sim
same_fingerprints byol0.log byol1.log
"$bin/sim-train" "${byol[@]}" -o one_byol.sim 2>one_byol.log || fail "one BYOL process failed"
losses one_byol.log "sim-train" >one_byol.txt
losses byol0.log "sim-train rank 0" >two_byol.txt
close_losses one_byol.txt two_byol.txt 1e-3

# The default loss (Multi-Similarity, whose mining is a threshold) with SGD: Adam's first steps
# divide each gradient by its own size, so rounding in the ranks' sum of a near-zero gradient
# moves a weight by a whole step, and the curves part after a step or two (docs/distributed.md).
default_sgd=("${small[@]}" --steps 4 --optimizer sgd -v)
train_pair sgd "${default_sgd[@]}" -o sgd.sim
"$bin/sim-train" "${default_sgd[@]}" -o one_sgd.sim 2>one_sgd.log || fail "one process failed"
losses one_sgd.log "sim-train" >one_sgd.txt
losses sgd0.log "sim-train rank 0" >two_sgd.txt
close_losses one_sgd.txt two_sgd.txt

# --- --split-loss on: each rank computes its own rows' share; still one process's losses ---------
for case in sgd:default_sgd ntx:two_views; do
  name="split_${case%%:*}" flags="${case#*:}[@]"
  train_pair "$name" "${!flags}" --split-loss on -o "$name.sim"
  same_fingerprints "${name}0.log" "${name}1.log"
  grep -q -- "--split-loss on: each rank computes the loss for its own rows" "${name}0.log" ||
    fail "$name: no line says the loss is split: $(head -n 5 "${name}0.log")"
  losses "${name}0.log" "sim-train rank 0" >"$name.txt"
  close_losses "one_${case%%:*}.txt" "$name.txt"
done
# A loss that is not a mean over anchors cannot be split: exit 2 on both ranks, naming the flag.
port="$(free_port)"
(by_hand "$port" 0 "${small[@]}" --steps 2 --loss triplet --split-loss on -o split.sim) >/dev/null 2>split0.log &
r0=$!
(by_hand "$port" 1 "${small[@]}" --steps 2 --loss triplet --split-loss on -o split.sim) >/dev/null 2>split1.log
status1=$?
wait $r0
status0=$?
[[ $status0 == 2 && $status1 == 2 ]] || fail "--split-loss with triplet: exit $status0 and $status1, expected 2"
grep -q -- "--split-loss: --loss triplet is not a mean over anchors" split0.log ||
  fail "--split-loss with triplet: $(tail -2 split0.log)"
[[ -e split.sim ]] && fail "--split-loss with triplet wrote a model"

# --- --sync-batch-norm auto (the default) at 80 rows a rank: each normalises its half ----------
train_pair local_bn "$data" --per-class 60 --val-split 0 --threads 1 --steps 4 --optimizer sgd -v -o local_bn.sim
same_fingerprints local_bn0.log local_bn1.log
grep -q -- "--sync-batch-norm auto: batch norms normalise each rank's slice of the batch alone" local_bn0.log ||
  fail "--sync-batch-norm auto at 80 rows a rank: $(grep -- --sync-batch-norm local_bn0.log)"
expect 0 "" "$bin/sim-info" local_bn.sim
losses local_bn0.log "sim-train rank 0" >local_bn.txt
# Normalised by halves, the first batch's embeddings, so its loss, are not one process's.
paste one_sgd.txt local_bn.txt | awk 'NR == 1 { d = $1 - $2; if (d < 0) d = -d; exit !(d > 1e-4 * $1) }' ||
  fail "--sync-batch-norm auto: the first loss is one process's: $(paste one_sgd.txt local_bn.txt | head -1)"

# --- the cross-batch memory: the same losses as one process; a resumed run's ranks agree --------
# Each rank enqueues the whole gathered batch, so the memories match; the weights' fingerprint
# compares them every step, so a rank with another memory would stop the job.
port="$(free_port)"
xbm=("${small[@]}" --optimizer sgd --xbm-size 300 --xbm-warmup 1 -v)
by_hand "$port" 0 "${xbm[@]}" --steps 4 -o xbm.sim 2>xbm0.log &
r0=$!
(by_hand "$port" 1 "${xbm[@]}" --steps 4 -o xbm.sim) 2>xbm1.log || fail "rank 1 (--xbm-size) failed: $(tail -2 xbm1.log)"
wait $r0 || fail "rank 0 (--xbm-size) failed: $(tail -2 xbm0.log)"
same_fingerprints xbm0.log xbm1.log
"$bin/sim-train" "${xbm[@]}" --steps 4 -o one_xbm.sim 2>one_xbm.log || fail "one process (--xbm-size) failed"
losses one_xbm.log "sim-train" >one_xbm.txt
losses xbm0.log "sim-train rank 0" >two_xbm.txt
close_losses one_xbm.txt two_xbm.txt
# Killed once a checkpoint exists, resumed on both ranks: rank 0 read the memory, rank 1 got it.
port="$(free_port)"
by_hand "$port" 0 "${xbm[@]}" --epochs 8 -o xr.sim 2>xr0.log &
r0=$!
by_hand "$port" 1 "${xbm[@]}" --epochs 8 -o xr.sim 2>xr1.log &
r1=$!
for _ in $(seq 100); do [[ -e xr.sim.ckpt ]] && break; sleep 0.1; done
kill -9 $r0 $r1
wait $r0 $r1 2>/dev/null
if [[ -e xr.sim.ckpt && ! -e xr.sim ]]; then
  port="$(free_port)"
  by_hand "$port" 0 "${xbm[@]}" --epochs 8 -o xr.sim --resume 2>xr0.log &
  r0=$!
  (by_hand "$port" 1 "${xbm[@]}" --epochs 8 -o xr.sim --resume) 2>xr1.log || fail "resumed rank 1 failed: $(tail -2 xr1.log)"
  wait $r0 || fail "resumed rank 0 failed: $(tail -2 xr0.log)"
  grep -q "resuming from xr.sim.ckpt at step [1-9]" xr0.log || fail "no resume: $(grep -v debug xr0.log | head -n 5)"
  same_fingerprints xr0.log xr1.log
else
  fail "the --xbm-size run wrote no checkpoint before the kill (or finished first)"
fi

# --- a second job on the same port, then kill -9 of a rank ------------------------------------
port="$(free_port)"
long=("${small[@]}" --steps 100000 -o long.sim)
by_hand "$port" 0 "${long[@]}" 2>long0.log &
r0=$!
by_hand "$port" 1 "${long[@]}" 2>long1.log &
r1=$!
for _ in $(seq 100); do [[ -e long.sim.ckpt ]] && break; sleep 0.2; done
[[ -e long.sim.ckpt ]] || fail "the long run wrote no checkpoint: $(tail -2 long0.log)"
(by_hand "$port" 0 "${small[@]}" -o other.sim --timeout 5) 2>other0.log
[[ $? == 1 ]] && grep -q "MASTER_PORT: rank 0 cannot serve the rendezvous store on 127.0.0.1:$port (its port is in use)" other0.log ||
  fail "a second job's rank 0 on a taken port: $(cat other0.log)"
(by_hand "$port" 1 "${small[@]}" -o other.sim --timeout 5) 2>other1.log
[[ $? == 1 ]] && grep -q "already has the 2 ranks of another job; pick another MASTER_PORT" other1.log ||
  fail "a second job's rank 1 on a taken port: $(cat other1.log)"
kill -0 $r0 $r1 || fail "the first job did not survive the second's attempt"
kill -9 $r1
wait $r1 2>/dev/null
start=$SECONDS
wait $r0
status=$?
((SECONDS - start <= 10)) || fail "rank 0 took $((SECONDS - start)) s to notice a killed rank"
[[ $status != 0 ]] && grep -q "lost rank 1 during" long0.log || fail "after kill -9 of rank 1, rank 0: $status, $(tail -1 long0.log)"
[[ -e long.sim ]] && fail "a model was written by a broken job"
grep -q "rank 0: info: epoch 1:" long0.log || fail "rank 0 does not log progress: $(head -3 long0.log)"
grep -q "info" long1.log && fail "rank 1 logs progress without -v (only rank 0 should): $(head -3 long1.log)"

# --- a TorchScript backbone with a batch norm: its running statistics are rank 0's on every rank ----
# Scripted, not traced, so that its batch norm keeps updating them in training. The fingerprint
# covers them: ranks whose statistics differed would stop with "weights differ between ranks".
# (torch.jit.script reads the class's source, so it runs from a file, not stdin.)
cat >bn_trunk.py <<'PY'
import torch

class Trunk(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)

    def forward(self, x):
        return torch.flatten(torch.nn.functional.adaptive_avg_pool2d(torch.relu(self.bn(self.conv(x))), 4), 1)

torch.manual_seed(0)
torch.jit.script(Trunk()).save("bn.pt")
PY
/usr/bin/python3 bn_trunk.py || fail "could not script the backbone"
port="$(free_port)"
by_hand "$port" 0 "${small[@]}" --backbone bn.pt -o bn.sim --steps 4 -v 2>bn0.log &
r0=$!
(by_hand "$port" 1 "${small[@]}" --backbone bn.pt -o bn.sim --steps 4 -v) 2>bn1.log ||
  fail "rank 1 with a TorchScript backbone failed: $(tail -2 bn1.log)"
wait $r0 || fail "rank 0 with a TorchScript backbone failed: $(tail -2 bn0.log)"
same_fingerprints bn0.log bn1.log
expect 0 "" "$bin/sim-info" bn.sim

# --- a stopped rank fails the job within --timeout, rank 0 (which serves the store) too -------
# stopped VICTIM PATTERN: of 2 ranks of a long run, VICTIM gets SIGSTOP; the other must exit
# non-zero within --timeout 6 (+2 s), its log matching PATTERN.
stopped() {
  local victim="$1" pattern="$2" survivor=$((1 - $1)) port start status pids=()
  port="$(free_port)"
  by_hand "$port" 0 "${long[@]}" --timeout 6 2>stop0.log &
  pids+=($!)
  by_hand "$port" 1 "${long[@]}" --timeout 6 2>stop1.log &
  pids+=($!)
  sleep 4
  kill -STOP "${pids[$victim]}"
  start=$SECONDS
  wait "${pids[$survivor]}"
  status=$?
  kill -9 "${pids[$victim]}"
  wait "${pids[$victim]}" 2>/dev/null
  ((SECONDS - start <= 8)) || fail "a stopped rank $victim took $((SECONDS - start)) s to fail the job (--timeout 6)"
  [[ $status != 0 ]] && grep -q "$pattern" "stop$survivor.log" ||
    fail "after SIGSTOP of rank $victim, rank $survivor: $status, $(tail -1 "stop$survivor.log")"
}
stopped 1 "lost rank 1 during .*no answer within --timeout 6 s"
stopped 0 "lost rank 0, which serves the rendezvous store at 127.0.0.1:[0-9]*, during"

# --- a rank that fails on its own is named with its message ----------------------------------
port="$(free_port)"
by_hand "$port" 0 "${small[@]}" -o own.sim 2>own0.log &
r0=$!
(by_hand "$port" 1 "$tmp/no-such-dataset" --threads 1 -o own.sim) 2>own1.log
wait $r0
[[ $? != 0 ]] && grep -q "rank 1 failed: .*no-such-dataset" own0.log || fail "rank 0 of a job whose rank 1 failed: $(tail -1 own0.log)"

# --- torchrun --max_restarts 1: a killed rank, then the run finishes from the checkpoint -----
rm -f el.sim el.sim.ckpt
torchrun_flags=(--max_restarts 1)
(torchrun_train 2 el.log "${small[@]}" -o el.sim --steps 40; echo $? >el.status) &
for _ in $(seq 150); do [[ -e el.sim.ckpt ]] && break; sleep 0.2; done
victim="$(pgrep -f "^$bin/sim-train .*-o el.sim" | sort -n | tail -1)"  # a worker, not torchrun itself
[[ -n $victim ]] && kill -9 "$victim"
wait
[[ $(cat el.status) == 0 ]] || fail "torchrun --max_restarts 1 after a kill: $(grep -v '^ ' el.log | tail -3)"
grep -q "restart 1 of this job: resuming from el.sim.ckpt" el.log || fail "the restart did not resume: $(grep 'sim-train' el.log | tail -3)"
expect 0 "" "$bin/sim-info" el.sim
[[ -e el.sim.ckpt ]] && fail "the finished run left its checkpoint"

finish
