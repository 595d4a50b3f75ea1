#!/usr/bin/env bash
# The README's first command: the main job on real data (Fashion-MNIST from Debian's
# dataset-fashion-mnist package). It installs what is missing and builds first, then runs each
# step as one plain sim-* command, echoed so the output teaches the toolchain.
#
# Not yet part of it: sim-eval (metrics with calibration, the visual report).
# Environment: SIM_OUT (default: out/fashion-mnist), SIM_EPOCHS (default: sim-train's own).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
export PATH="${SIM_BUILD_DIR:-$root/build}/tools:$PATH"
data=/usr/share/datasets/fashion-mnist
out="${SIM_OUT:-$root/out/fashion-mnist}"
mkdir -p "$out"
epochs=()
if [[ -n ${SIM_EPOCHS:-} ]]; then epochs=(--epochs "$SIM_EPOCHS"); fi

run() {
  echo "+ $*" >&2
  "$@"
}

run sim-train "$data" -o "$out/fashion.sim" "${epochs[@]}"
run sim-embed -m "$out/fashion.sim" "$data" --split train -o "$out/train.h5"
run sim-embed -m "$out/fashion.sim" "$data" --split test -o "$out/test.h5"
run sim-index -i "$out/train.h5" -o "$out/fashion.idx"
run sim-index info "$out/fashion.idx"
# Every test image against the train index (5 neighbours each, with the majority class); the first rows shown.
run sim-query "$out/fashion.idx" -i "$out/test.h5" -k 5 --match majority >"$out/neighbours.tsv"
echo "+ head -n 16 $out/neighbours.tsv" >&2
head -n 16 "$out/neighbours.tsv"
echo "== model, embeddings, index and neighbours are in $out" >&2
