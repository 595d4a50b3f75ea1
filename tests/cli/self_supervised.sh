#!/usr/bin/env bash
# The self-supervised methods and the newer supervised losses through sim-train, tiny versions of
# the Fashion-MNIST study (scripts/bench/self_supervised.sh): every method trains a model that
# sim-embed, sim-index and sim-eval use unchanged; the bad settings exit 2 naming the flag before
# any step (augmentation off, a batch too small, a head width for a loss without heads, an
# instance term beside a self-supervised loss), and a collapsed run exits 1 without a model.
# Usage: self_supervised.sh BIN_DIR FIXTURES_DIR FASHION_MNIST_DIR
set -u
bin="$(cd "$1" && pwd)"
fx="$(cd "$2" && pwd)"
fashion="$3"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

fast=(--steps 6 --threads 2 --seed 3 --head-width 32)
aug=(--aug-pad 2 --aug-flip --aug-brightness 0.2)
for method in ntxent simsiam byol barlow_twins vicreg swav; do
  extra=()
  [[ $method == swav ]] && extra=(--swav-prototypes 20)
  [[ $method == ntxent ]] && fast_here=(--steps 6 --threads 2 --seed 3) || fast_here=("${fast[@]}")
  expect 0 "" "$bin/sim-train" "$fx/images" -o "$method.sim" --loss "$method" "${fast_here[@]}" "${aug[@]}" "${extra[@]}"
  [[ -f $method.sim ]] || fail "$method: no model written"
  grep -q "embedding spread" err || fail "$method: no embedding spread logged"
  if [[ $method != ntxent ]]; then
    grep -q "projection spread" err || fail "$method: no projection spread logged"
  fi
  # The heads stay out of the model: it embeds like any other.
  expect 0 "" "$bin/sim-embed" -m "$method.sim" "$fx/images" -o "$method.h5"
  expect 0 "" "$bin/sim-index" -i "$method.h5" -o "$method.idx"
  expect 0 "precision@1" "$bin/sim-eval" "$method.idx" -i "$method.h5"
done
for loss in supcon proxy_anchor; do
  expect 0 "" "$bin/sim-train" "$fx/images" -o "$loss.sim" --loss "$loss" --steps 6 --threads 2 --seed 3
  expect 0 "" "$bin/sim-info" "$loss.sim"
done

# The same images without class folders, and with their labels dropped (--no-labels): both train a
# model without classes (with the same seed, the very same weights), which embeds the labelled
# folder for sim-index and sim-eval like any other model.
mkdir unlabelled
for f in "$fx"/images/*/*.png; do cp "$f" "unlabelled/$(basename "$(dirname "$f")")_$(basename "$f")"; done
ssl=(--loss simsiam "${fast[@]}" "${aug[@]}" --batch-size 12 --val-split 0)
expect 0 "" "$bin/sim-train" unlabelled -o folder.sim "${ssl[@]}"
grep -q "no validation" err || fail "an unlabelled folder was validated"
expect 0 "" "$bin/sim-train" "$fx/images" -o dropped.sim "${ssl[@]}" --no-labels
expect 0 "" "$bin/sim-info" folder.sim --json
grep -q '"classes":"0"' out || fail "a model trained without labels records classes: $(head -c 300 out)"
fingerprint() { grep -o '"fingerprint":"[0-9a-f]*"' out; }
folder_print="$(fingerprint)"
expect 0 "" "$bin/sim-info" dropped.sim --json
[[ $(fingerprint) == "$folder_print" ]] || fail "unlabelled folder and --no-labels trained different weights"
expect 0 "" "$bin/sim-embed" -m folder.sim "$fx/images" -o folder.h5
expect 0 "" "$bin/sim-index" -i folder.h5 -o folder.idx
expect 0 "precision@1" "$bin/sim-eval" folder.idx -i folder.h5
expect 2 "self-supervised" "$bin/sim-train" unlabelled -o u.sim --steps 2

# --keep-best writes the best validation epoch, --patience stops when none is better (on these 18
# images validation saturates within a few epochs, so 12 are never all run).
expect 0 "" "$bin/sim-train" "$fx/images" -o kb.sim --epochs 12 --patience 2 --keep-best --val-split 0.3 --seed 1
grep -q "stopping early" err || fail "--patience did not stop: $(tail -n 3 err)"
grep -q "keeping epoch" err || fail "--keep-best kept nothing: $(tail -n 3 err)"
expect 0 '"best_epoch"' "$bin/sim-info" kb.sim --json
expect 2 "--keep-best" "$bin/sim-train" "$fx/images" -o kb0.sim --keep-best --val-split 0 --steps 2
expect 2 "--patience" "$bin/sim-train" "$fx/images" -o kb0.sim --patience 3 --val-split 0 --steps 2

# Collapse, by the papers' own ablations: BYOL without its predictor and with a target equal to the
# online network (SimSiam without predictor, which its paper shows collapsing), and SwAV without
# Sinkhorn's equipartition. Both stop with exit 1 naming the collapse; no model is written.
expect 1 "collapsed in epoch" "$bin/sim-train" "$fx/images" -o col.sim --loss byol --byol-no-predictor \
  --byol-momentum 0 --lr 0.01 --steps 40 --head-width 32 --seed 2 --threads 1 --val-split 0
[[ -e col.sim ]] && fail "a collapsed BYOL run wrote its model"
expect 1 "projected nearly alike" "$bin/sim-train" "$fashion" -o col.sim --per-class 50 --batch-size 64 \
  --loss swav --swav-sinkhorn-iterations 0 --swav-freeze-steps 1 --lr 0.01 --steps 60 --seed 2 --threads 1 \
  --val-split 0
[[ -e col.sim ]] && fail "a collapsed SwAV run wrote its model"

# Bad settings: exit 2 naming the flag, nothing written.
expect 2 "augmentation is off" "$bin/sim-train" "$fx/images" -o off.sim --loss simsiam "${fast[@]}" --aug-preset none
expect 2 "--loss byol" "$bin/sim-train" "$fx/images" -o off.sim --loss byol "${fast[@]}" --aug-preset none
expect 2 "at least 2 items" "$bin/sim-train" "$fx/images" -o small.sim --loss vicreg "${fast[@]}" "${aug[@]}" \
  --batch-size 1
expect 2 "--classes-per-batch" "$bin/sim-train" "$fx/images" -o p.sim --loss simsiam "${aug[@]}" --classes-per-batch 2
expect 2 "--batch-size" "$bin/sim-train" "$fx/images" -o b.sim --batch-size 8 --steps 2
expect 2 "no labels" "$bin/sim-train" "$fx/images" -o n.sim --no-labels --steps 2
expect 2 "--head-width" "$bin/sim-train" "$fx/images" -o wide.sim --head-width 64 --steps 2
expect 2 "--ssl-weight" "$bin/sim-train" "$fx/images" -o w.sim --loss swav --ssl-weight 0.1 "${aug[@]}" --steps 2
expect 2 "--swav-epsilon" "$bin/sim-train" "$fx/images" -o e.sim --loss swav --swav-epsilon 0 "${aug[@]}" --steps 2
for f in off small wide w e p b n u kb0; do
  [[ -e $f.sim ]] && fail "$f.sim written by a refused run"
done
finish
