#!/usr/bin/env bash
# The seed's other promise, on Fashion-MNIST: classes the model never saw are added to an index
# from a handful of examples each, without retraining, and queries of those classes then find them.
#
#   1. train on 8 of the 10 classes (the other 2 held out: never seen in training), with an
#      instance term beside the supervised loss (--ssl-weight 0.1 over two views, shifted by up to
#      a pixel), which keeps what tells items apart and so lifts classes never trained on, in the
#      default's training time: two views of 8 items per class per step are the default's images
#      per step, and 4 epochs of them its steps (docs/benchmarks.md, "Unseen classes": 5-shot
#      0.306 -> 0.707, the seen classes' precision@1 0.913 -> 0.901 and MAP@R 0.864 -> 0.775);
#   2. index the training images of the 8 classes; evaluate every test image against it, with the
#      k-shot curve: the held-out classes onboarded from 1, 5 and 20 of their test images (5 draws)
#      for each match rule (sim-eval --shots);
#   3. embed 5 training images of each held-out class with the same model, add them to the index;
#   4. evaluate again, deciding by the nearest class prototype (--match centroid): the held-out
#      classes' precision goes from 0 (nothing to find) to well above.
#
# Environment: SIM_OUT (default: out/fashion-mnist-unseen), SIM_EPOCHS (default: 4, see 1.),
# SIM_HELD_OUT (default: "5,8": Sandal and Bag — Fashion-MNIST's IDX files name classes by their
# label, see README), SIM_EXAMPLES (default: 5 per held-out class).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${SIM_OUT:-$root/out/fashion-mnist-unseen}"
held="${SIM_HELD_OUT:-5,8}"
examples="${SIM_EXAMPLES:-5}"
# shellcheck source=example_start.sh
source "$root/scripts/example_start.sh"

# A figure of a sim-eval table: figure FILE GROUP ROW (GROUP "seen" or "unseen"; ROW the start
# of its line, e.g. "precision@1" or "match accuracy"): the columns are all, seen, unseen.
figure() {
  awk -v row="$3" -v col="$([[ $2 == seen ]] && echo 2 || echo 3)" \
    'index($0, row " ") == 1 { split(substr($0, length(row) + 1), f, " "); print f[col]; exit }' "$1"
}

all="0,1,2,3,4,5,6,7,8,9"
seen=$(tr ',' '\n' <<<"$all" | grep -vxF -f <(tr ',' '\n' <<<"$held") | paste -sd, -)

[[ ${#epochs[@]} -gt 0 ]] || epochs=(--epochs 4)
run sim-train "$data" -o "$out/eight.sim" --holdout-classes "$held" --ssl-weight 0.1 --aug-pad 1 \
  --examples-per-class 8 "${epochs[@]}"
run sim-embed -m "$out/eight.sim" "$data" --split train --classes "$seen" -o "$out/seen-train.h5"
run sim-embed -m "$out/eight.sim" "$data" --split test -o "$out/test.h5"
run sim-index -i "$out/seen-train.h5" -o "$out/eight.idx" --store-data
run sim-eval "$out/eight.idx" -i "$out/test.h5" --unseen-classes "$held" --shots 1,5,20 --json "$out/before.json" \
  --report "$out/report-before" -q | tee "$out/before.txt"

# A handful of examples of each new class, embedded by the same model: no retraining.
run sim-embed -m "$out/eight.sim" "$data" --split train --classes "$held" --per-class "$examples" -o "$out/new.h5"
run sim-index add "$out/eight.idx" -i "$out/new.h5" --store-data
run sim-index info "$out/eight.idx"
run sim-eval "$out/eight.idx" -i "$out/test.h5" --unseen-classes "$held" --match centroid --json "$out/after.json" \
  --report "$out/report" | tee "$out/after.txt"

echo "== held-out classes ($held), never trained on, $examples examples each added to the index:" >&2
for name in precision@1 recall@10; do
  echo "== $name of their test queries: before $(figure "$out/before.txt" unseen "$name")," \
    "after $(figure "$out/after.txt" unseen "$name") (seen classes: $(figure "$out/before.txt" seen "$name")" \
    "-> $(figure "$out/after.txt" seen "$name"))" >&2
done
echo "== decided by the nearest class prototype (--match centroid): held-out" \
  "$(figure "$out/after.txt" unseen "match accuracy"), seen $(figure "$out/after.txt" seen "match accuracy")" >&2
echo "== the k-shot curve (test images as the examples, 5 draws): $out/report-before/index.html" >&2
echo "== the report: $out/report/index.html" >&2
