#!/usr/bin/env bash
# Benchmark: ann-benchmarks' fashion-mnist-784-euclidean protocol (the public yardstick of graph
# indexes), sim against the fair hnswlib peer (hnswlib's own headers compiled -O3 -march=native,
# scripts/bench/hnswlib_native.cpp) and faiss' IndexHNSWFlat (Debian's python3-faiss), side by
# side in one run. The data set is made from Debian's dataset-fashion-mnist as ann-benchmarks makes
# it (scripts/bench/ann_data.py): 60,000 train images as the base, 10,000 test images as the
# queries, 784 raw pixels as floats, euclidean. Every engine builds with M 16 and ef_construction
# 200 on BUILD_THREADS threads, then searches one query thread at a time over EFS, ROUNDS rounds
# with the engines taking turns (scripts/bench/ann_bench.py says how recall, queries/s and the
# ratios are computed). Prints build time, bytes per vector (the index files), queries/s at
# recall@10 0.90, 0.99 and 0.999 and the ratios sim / peer (median of the rounds, min, max); draws
# the curves.
#
#   scripts/bench/ann.sh [ROUNDS=3] [BUILD_THREADS=nproc]
#
# Environment: SIM_BUILD_DIR (default: build), SIM_ANN_EFS (default:
# 6,8,10,12,16,20,24,32,40,48,64,80,96,128,160,200,256,320,400), SIM_ANN_VARIANTS (more sim rows,
# "NAME=SIM-INDEX OPTIONS;...", default: "sq8=--quantize sq8;f16=--quantize f16"), SIM_ANN_PLOT
# (default: docs/ann_recall_qps.png; empty: no picture), SIM_ANN_KEEP (a directory to keep the
# data, indexes and results in).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" --peers >&2
rounds="${1:-3}" threads="${2:-$(nproc)}"
m=16 ef_construction=200
efs="${SIM_ANN_EFS:-6,8,10,12,16,20,24,32,40,48,64,80,96,128,160,200,256,320,400}"
variants="${SIM_ANN_VARIANTS-sq8=--quantize sq8;f16=--quantize f16}"
plot="${SIM_ANN_PLOT-$root/docs/ann_recall_qps.png}"
bin="${SIM_BUILD_DIR:-$root/build}/tools"
bench="$root/scripts/bench"
if [[ -n ${SIM_ANN_KEEP:-} ]]; then
  work="$SIM_ANN_KEEP"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; load: $(uptime)"
if [[ ! -f $work/data/truth_distances.npy ]]; then
  /usr/bin/python3 "$bench/ann_data.py" /usr/share/datasets/fashion-mnist "$work/data"
fi
g++ -std=c++17 -O3 -march=native -pthread -Wall -Wextra "$bench/hnswlib_native.cpp" -o "$work/hnswlib_native"
/usr/bin/python3 "$bench/ann_bench.py" run "$work/data" "$work" "$bin" "$work/hnswlib_native" \
  "$m" "$ef_construction" "$threads" "$efs" "$rounds" "$variants" >"$work/result.json"
/usr/bin/python3 "$bench/ann_bench.py" report "$work/result.json" ${plot:+--plot "$plot"}
