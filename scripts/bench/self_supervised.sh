#!/usr/bin/env bash
# Benchmark: the self-supervised methods on Fashion-MNIST with its labels ignored. Each method trains
# on the train split with --no-labels (its labels never reach training; the test split, labelled,
# only reports validation figures), then is scored like scripts/bench/fashion_quality.sh: the 10k
# test items query the 60k train items, precision@1 and MAP@R by exact search, beside raw-pixel
# nearest neighbour (MAP@R 0.301), with the training time. The bar (issue 21): MAP@R >= 1.5x raw
# pixels' within 15 minutes of training on the 2-core machine.
#
#   scripts/bench/self_supervised.sh [METHOD...] [-- extra sim-train flags...]
#   default methods: ntxent simsiam byol barlow_twins vicreg swav
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" >&2
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

methods=()
while [[ $# -gt 0 && $1 != -- ]]; do
  methods+=("$1")
  shift
done
[[ ${1:-} == -- ]] && shift
[[ ${#methods[@]} -gt 0 ]] || methods=(ntxent simsiam byol barlow_twins vicreg swav)

rows="$tmp/rows.txt"
for method in "${methods[@]}"; do
  SECONDS=0
  "$bin/sim-train" "$data" -o "$tmp/$method.sim" --no-labels --loss "$method" --val-max 2000 "$@" 2>"$tmp/$method.log" ||
    { tail -n 5 "$tmp/$method.log" >&2; exit 1; }
  seconds=$SECONDS
  "$bin/sim-embed" -m "$tmp/$method.sim" "$data" --split train -o "$tmp/train.h5" -q
  "$bin/sim-embed" -m "$tmp/$method.sim" "$data" --split test -o "$tmp/test.h5" -q
  /usr/bin/python3 - "$tmp" "$method" "$seconds" "$root/scripts/bench" >>"$rows" <<'PY'
import sys

tmp, method, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from retrieval_scores import embedding_scores

p1, mapr = embedding_scores(f"{tmp}/train.h5", f"{tmp}/test.h5")
print(f"{method}\t{p1:.4f}\t{mapr:.4f}\t{seconds / 60:.1f}")
PY
  echo "$(tail -n 1 "$rows")" >&2
done

/usr/bin/python3 - "$rows" "$data" "$root/scripts/bench" <<'PY'
import sys

rows, data = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from retrieval_scores import raw_pixel_scores

pixels = raw_pixel_scores(data)
print("| method | precision@1 | MAP@R | MAP@R / raw pixels | training (min) |")
print("| --- | --- | --- | --- | --- |")
for line in open(rows):
    method, p1, mapr, minutes = line.split()
    print(f"| {method} | {p1} | {mapr} | {float(mapr) / pixels[1]:.2f}x | {minutes} |")
print(f"| raw-pixel nearest neighbour | {pixels[0]:.4f} | {pixels[1]:.4f} | 1.00x | — |")
PY
