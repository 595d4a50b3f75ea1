#!/usr/bin/env bash
# sim-train's cross-batch memory (--xbm-size, --xbm-warmup) on the tiny image fixtures: it trains
# with multi_similarity and contrastive, says from which step the memory is used, refuses bad values
# and other losses with exit 2 naming the flag; a run killed once a checkpoint exists and resumed
# trains the same model as one never interrupted (the memory travels in the checkpoint: without it
# the resumed steps would see an empty memory), and resuming with another --xbm-size exits 2.
# Usage: cross_batch_memory.sh BIN_DIR FIXTURES_DIR
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(cd "$1" && pwd)"
fx="$2"
tmp="$(mktemp -d)"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
train="$bin/sim-train"

expect 0 "" "$train" "$fx/images" -o m.sim --xbm-size 64 --xbm-warmup 2 --steps 6 --threads 2
grep -qF "cross-batch memory of the last 64 embeddings, compared with each batch from step 2" err ||
  fail "no line says when the memory starts: $(head -n 5 err)"
[[ -f m.sim ]] || fail "no model written with --xbm-size"
expect 0 "" "$bin/sim-info" m.sim
expect 0 "" "$train" "$fx/images" -o c.sim --loss contrastive --xbm-size 16 --steps 4 --threads 2
grep -qF "compared with each batch from step 0" err || fail "4 steps: the default warm-up is not 0: $(head -n 5 err)"

# Bad values and other losses: exit 2, naming the flag, no model.
expect 2 "--xbm-size" "$train" "$fx/images" -o bad.sim --xbm-size -1
expect 2 "--xbm-size" "$train" "$fx/images" -o bad.sim --xbm-size 2000000
expect 2 "--xbm-size" "$train" "$fx/images" -o bad.sim --xbm-size many
expect 2 "--xbm-warmup" "$train" "$fx/images" -o bad.sim --xbm-size 8 --xbm-warmup -3
expect 2 "--xbm-warmup: is the cross-batch memory's warm-up: give --xbm-size too" "$train" "$fx/images" -o bad.sim \
  --xbm-warmup 3
expect 2 "--xbm-size: keeps a cross-batch memory for the losses that compare a batch with past batches (multi_similarity, contrastive), not for --loss triplet" \
  "$train" "$fx/images" -o bad.sim --loss triplet --xbm-size 8
expect 2 "--xbm-size" "$train" "$fx/images" -o bad.sim --loss ntxent --aug-flip --xbm-size 8
[[ -e bad.sim ]] && fail "a refused run wrote a model"

# Killed once a checkpoint exists, then resumed: the same model as an uninterrupted run.
common=("$fx/images" --epochs 150 --threads 1 --seed 1)
run=("${common[@]}" --xbm-size 40 --xbm-warmup 3)
expect 0 "" "$train" "${run[@]}" -o whole.sim
"$train" "${run[@]}" -o r.sim >/dev/null 2>r.log &
pid=$!
for _ in $(seq 200); do
  [[ -f r.sim.ckpt ]] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [[ -f r.sim.ckpt && ! -e r.sim ]]; then
  expect 2 "--xbm-size: is 20, but r.sim.ckpt was trained with 40" "$train" "${common[@]}" -o r.sim --resume --xbm-size 20
  expect 2 "--xbm-size: is 0, but r.sim.ckpt was trained with 40" "$train" "${common[@]}" -o r.sim --resume
  expect 0 "" "$train" "${run[@]}" -o r.sim --resume
  grep -q "resuming from r.sim.ckpt at step [1-9]" err || fail "no resume: $(head -n 8 err)"
  for m in whole r; do
    "$bin/sim-embed" -m "$m.sim" "$fx/images" -o "$m.h5" --no-provenance --threads 1 2>/dev/null ||
      fail "embedding with $m.sim failed"
  done
  cmp -s whole.h5 r.h5 || fail "the resumed run trained another model than the uninterrupted one"
else
  fail "no checkpoint appeared before the kill (or the run finished first)"
fi

finish
