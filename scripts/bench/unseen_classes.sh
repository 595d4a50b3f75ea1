#!/usr/bin/env bash
# What training lifts classes the model never saw: trains on Fashion-MNIST with two classes held
# out (5 Sandal, 8 Bag), then measures how they are recognised once onboarded from 1, 5 and 20
# examples each (sim-eval --shots, 5 seeded draws), for every match rule, beside the seen classes.
#
#   scripts/bench/unseen_classes.sh NAME [SIM-TRAIN FLAGS...]
#   e.g. scripts/bench/unseen_classes.sh dim128 --dim 128
#
# Appends one line to $SIM_OUT/results.tsv (default out/unseen-classes): the name, the flags, the
# 5-shot centroid figures for unseen and seen classes, the 1/5/20-shot unseen curves of each rule,
# seen precision@1 and MAP@R with the nearest rule, and the training time. Everything else a run wrote stays
# in $SIM_OUT/NAME/ (model, embeddings, sim-eval JSON and table) until the next run of that name.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $# -ge 1 ]] || { echo "usage: $0 NAME [SIM-TRAIN FLAGS...]" >&2; exit 2; }
name="$1"
shift
base="${SIM_OUT:-$root/out/unseen-classes}"
out="$base/$name"
held="5,8"
# shellcheck source=../example_start.sh
source "$root/scripts/example_start.sh"
rm -rf "$out"
mkdir -p "$out"
seen=$(tr ',' '\n' <<<"0,1,2,3,4,5,6,7,8,9" | grep -vxF -f <(tr ',' '\n' <<<"$held") | paste -sd, -)

start=$(date +%s)
sim-train "$data" -o "$out/model.sim" --holdout-classes "$held" "$@" -q
trained=$(($(date +%s) - start))
sim-embed -m "$out/model.sim" "$data" --split train --classes "$seen" -o "$out/seen-train.h5" -q
sim-embed -m "$out/model.sim" "$data" --split test -o "$out/test.h5" -q
sim-index -i "$out/seen-train.h5" -o "$out/seen.idx" -q
sim-eval "$out/seen.idx" -i "$out/test.h5" --unseen-classes "$held" --shots 1,5,20 --json "$out/eval.json" \
  >"$out/eval.txt"

python3 - "$out/eval.json" "$name" "$*" "$trained" >>"$base/results.tsv" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = {(r["shots"], r["match"]): r for r in doc["few_shot"]["results"]}
curve = lambda rule: "/".join(f'{rows[(s, rule)]["unseen"]["mean"]:.3f}' for s in (1, 5, 20))
five = rows[(5, "centroid")]
print("\t".join([sys.argv[2], sys.argv[3] or "(defaults)",
                 f'{five["unseen"]["mean"]:.4f}', f'{five["seen"]["mean"]:.4f}',
                 curve("centroid"), curve("nearest"), curve("majority"),
                 f'{doc["seen"]["metrics"]["precision@1"]:.4f}', f'{doc["seen"]["metrics"]["map@r"]:.4f}',
                 sys.argv[4] + " s"]))
PY
tail -n 1 "$base/results.tsv"
