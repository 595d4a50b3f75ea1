#!/usr/bin/env bash
# Benchmark: sim-train's cross-batch memory (--xbm-size: Wang, Zhang, Huang, Scott, "Cross-Batch
# Memory for Embedding Learning", CVPR 2020) on Fashion-MNIST, scored as scripts/bench/
# fashion_quality.sh scores a run (it runs them): the 10k test items query the 60k train items by
# exact search, precision@1 and MAP@R.
#
# sim-train's default supervised settings (multi_similarity, 8 epochs of 375 steps of 160 images)
# run without a memory, then with a memory of each SIZE rows for the same steps. The memory is not
# free: each step compares the batch with every row, forward and backward (single-threaded on an
# Intel Xeon with AVX-512, 160 x 8192 rows took about 55 ms forward and 15 ms backward, against
# about 1 ms for the batch's own 160 x 160 loss; 1024 rows about 7 ms; a default step is about
# 140 ms), so a run with 8192 rows takes longer than one without. For the same wall time, each
# SIZE is also compared with a run without memory given as
# many more steps as the memory's steps cost: steps x (its training seconds per step / those of the
# run without memory), the seconds per step being sim-train's own data + forward + loss + backward
# times (validation left out).
#
#   scripts/bench/xbm.sh [SIZE...] [-- extra sim-train flags...]
#   default SIZE: 8192 (about 51 batches; the paper's memories span tens of iterations on its small
#   datasets, where they hold the whole training set); 1 + 2 x SIZEs training runs of 4+ minutes
#   the smoke run: scripts/bench/xbm.sh 8192 -- --steps 100
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

sizes=()
while [[ $# -gt 0 && $1 != -- ]]; do
  [[ $1 =~ ^[1-9][0-9]*$ ]] || { echo "xbm.sh: a memory size is a positive number of rows, not '$1'" >&2; exit 2; }
  sizes+=("$1")
  shift
done
[[ ${1:-} == -- ]] && shift
[[ ${#sizes[@]} -gt 0 ]] || sizes=(8192)
flags=("$@")
# The same flags without the run's length, for the runs whose --steps this script sets.
unsized=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps | --epochs) shift ;;
    --steps=* | --epochs=*) ;;
    *) unsized+=("$1") ;;
  esac
  shift
done

# run NAME FLAGS...: one scored run; appends "NAME warm-up steps p1 mapr seconds compute loss" to rows.
rows="$tmp/rows.txt"
run() {
  local name="$1" log="$tmp/$1.log" scores="$tmp/$1.txt"
  shift
  "$here/fashion_quality.sh" "$@" >"$scores" 2>"$log" || { tail -n 5 "$log" >&2; exit 1; }
  /usr/bin/python3 - "$name" "$scores" "$log" >>"$rows" <<'PY'
import re, sys

name, scores, log = sys.argv[1:]
# "sim-train (default settings): training 4.2 min, precision@1 0.9200, MAP@R 0.8768"
p1, mapr = re.search(r"^sim-train .*precision@1 ([0-9.]+), MAP@R ([0-9.]+)$", open(scores).read(), re.M).groups()
text = open(log).read()
# "wrote ...: 3000 steps in 250.1 s, ... (data 3.2 s, forward 181 s, loss 4.9 s, backward+step 193 s, ...)"
summary = re.findall(r"wrote .*: (\d+) steps in ([0-9.]+) s.*\(data ([0-9.]+) s, forward ([0-9.]+) s, "
                     r"loss ([0-9.]+) s, backward\+step ([0-9.]+) s", text)[-1]
steps, seconds, data, forward, loss, backward = summary
compute = float(data) + float(forward) + float(loss) + float(backward)
warmup = re.findall(r"compared with each batch from step (\d+)", text)
print(name, warmup[-1] if warmup else "-", steps, p1, mapr, seconds, f"{compute:.1f}", loss)
PY
  echo "$(tail -n 1 "$rows")" >&2
}

run none "${flags[@]}"
grep -E '^raw-pixel' "$tmp/none.txt" >&2 || true
read -r _ _ base_steps _ _ _ base_compute _ <"$rows"
for size in "${sizes[@]}"; do
  run "xbm-$size" --xbm-size "$size" "${flags[@]}"
  read -r _ _ steps _ _ _ compute _ < <(tail -n 1 "$rows")
  same_time="$(/usr/bin/python3 -c "print(round($compute * $base_steps / $base_compute))")"
  run "none-$same_time-steps" --steps "$same_time" "${unsized[@]}"
done

/usr/bin/python3 - "$rows" <<'PY'
import sys

rows = [line.split() for line in open(sys.argv[1])]
base = float(rows[0][4])
print("| run | memory from step | steps | precision@1 | MAP@R | MAP@R - no memory's | training s (compute) | loss s |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for name, warmup, steps, p1, mapr, seconds, compute, loss in rows:
    print(f"| {name} | {warmup} | {steps} | {p1} | {mapr} | {float(mapr) - base:+.4f} | {seconds} ({compute}) | {loss} |")
PY
