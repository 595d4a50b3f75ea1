#!/usr/bin/env bash
# The README's first command: the main job on real data (Fashion-MNIST from Debian's
# dataset-fashion-mnist package). It installs what is missing and builds first, then runs each
# step as one plain sim-* command, echoed so the output teaches the toolchain.
#
# Environment: SIM_OUT (default: out/fashion-mnist), SIM_EPOCHS (default: sim-train's own).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${SIM_OUT:-$root/out/fashion-mnist}"
# shellcheck source=example_start.sh
source "$root/scripts/example_start.sh"

# Fashion-MNIST's IDX files number the classes 0-9; their names (from the dataset's README) go
# into the model, and from there into the embeddings, the index, the TSV and the report.
printf '%s\n' "T-shirt/top" Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag "Ankle boot" >"$out/classes.txt"
run sim-train "$data" -o "$out/fashion.sim" --class-names "$out/classes.txt" "${epochs[@]}"
run sim-embed -m "$out/fashion.sim" "$data" --split train -o "$out/train.h5"
run sim-embed -m "$out/fashion.sim" "$data" --split test -o "$out/test.h5"
# --store-data keeps each item's picture in the index, so its neighbour grids need nothing else.
run sim-index -i "$out/train.h5" -o "$out/fashion.idx" --store-data
run sim-index info "$out/fashion.idx"
# Every test image against the train index, 5 neighbours each; the first rows shown.
run sim-query "$out/fashion.idx" -i "$out/test.h5" -k 5 >"$out/neighbours.tsv"
echo "+ head -n 11 $out/neighbours.tsv" >&2
head -n 11 "$out/neighbours.tsv"
# Test against train: metrics, thresholds calibrated and stored in the index, pictures.
run sim-eval "$out/fashion.idx" -i "$out/test.h5" --target-precision 0.9,0.99 --write \
  --json "$out/metrics.json" --report "$out/report"
# Now --match can say "unknown": a few test images, decided at the calibrated threshold.
run sim-query "$out/fashion.idx" -i "$out/test.h5" -k 1 --match nearest --grid "$out/grid.png" --grid-rows 8 \
  >"$out/matches.tsv"
echo "+ head -n 6 $out/matches.tsv" >&2
head -n 6 "$out/matches.tsv"

figure() { printf '%.4f' "$(sed -n "s/^ *\"$1\": \([0-9.]*\).*/\1/p" "$out/metrics.json" | head -n 1)"; }
echo "== done: model, embeddings, index and neighbours are in $out" >&2
echo "== test vs train: precision@1 $(figure 'precision@1'), MAP@R $(figure 'map@r')" >&2
echo "== the report: $out/report/index.html" >&2
