#!/usr/bin/env bash
# Benchmark: sim-query on a large index read whole (--load read) against memory-mapped (--load
# map, the default): start to first answer, queries/s, and memory when several processes serve
# one index (scripts/bench/mapped_bench.py says how each is measured). The index: ITEMS seeded
# 64-d vectors around 1,000 centres (scripts/bench/index_data.py, euclidean), built by sim-index.
#
#   scripts/bench/mapped.sh [ITEMS=1000000] [ROUNDS=5]
#
# Environment: SIM_BUILD_DIR (default: build), SIM_MAPPED_KEEP (a directory to keep the data and
# the index in, reused by a later run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" >&2
items="${1:-1000000}" rounds="${2:-5}"
bin="${SIM_BUILD_DIR:-$root/build}/tools"
bench="$root/scripts/bench"
if [[ -n ${SIM_MAPPED_KEEP:-} ]]; then
  work="$SIM_MAPPED_KEEP"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; load: $(uptime)"
if [[ ! -f $work/base.idx ]]; then
  /usr/bin/python3 "$bench/index_data.py" "$work/base.h5" "$work/queries.h5" --n "$items" --queries 10000 --seed 0
  "$bin/sim-index" -i "$work/base.h5" -o "$work/base.idx" --threads "$(nproc)" --target-recall 0 -q
  rm "$work/base.h5"
fi
echo "== index: $items items; files: $(du -sh "$work"/base.idx* | tr '\n' ' ')"
/usr/bin/python3 "$bench/mapped_bench.py" "$bin/sim-query" "$work/base.idx" "$work/queries.h5" "$rounds"
