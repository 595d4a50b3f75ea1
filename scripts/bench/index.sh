#!/usr/bin/env bash
# Benchmark: building and searching an HNSW index, sim-index + sim-query against hnswlib's own
# Python bindings (Debian's python3-hnswlib, compiled SSE-only) and faiss's IndexHNSWFlat, with the
# same M, ef_construction, threads and k, side by side in one run (scripts/bench/index_bench.py
# drives, scripts/bench/index_peer.py is the peers' side). Two data sets:
#   fashion    learned embeddings of Fashion-MNIST (cosine, sim-embed's default): the 60k train
#              images indexed, the 10k test images as queries; from a short sim-train (1 epoch)
#              and sim-embed, or reused from SIM_BENCH_EMBEDDINGS=DIR (DIR/train.h5 and DIR/test.h5,
#              e.g. what scripts/fashion-mnist.sh writes to out/fashion-mnist)
#   synthetic  ITEMS seeded 64-d vectors drawn around 1,000 cluster centres (euclidean) and 10k
#              queries of the same distribution (scripts/bench/index_data.py)
# Recall@10 is measured against sim's exact index (sim-index --exact, searched by sim-query).
# Every build and every search is its own process, and the engines take turns at each ef (the
# fastest of SIM_BENCH_REPEATS rounds counts), so that load from elsewhere hits them alike.
# Prints, per data set, build time, queries/s at the smallest ef reaching recall@10 >= 0.99, each
# both for the work alone and for the whole process, peak memory, and the ratios (> 1 means sim is
# faster); hnswlib's bindings also search sim's own graph file (same graph, different code). Draws
# the recall-vs-queries/s curves.
#
#   scripts/bench/index.sh [ITEMS=1000000] [THREADS=nproc]
#
# Environment: SIM_BUILD_DIR (default: build), SIM_BENCH_EMBEDDINGS (see above),
# SIM_BENCH_DATASETS (default: "fashion synthetic"), SIM_BENCH_EFS (default:
# 10,16,24,32,48,64,96,128,192,256,384,512), SIM_BENCH_REPEATS (searches per ef, the fastest
# counts; default 3), SIM_BENCH_PLOT (default: docs/index_recall_qps.png; empty: no picture),
# SIM_BENCH_KEEP (a directory to keep the data, indices and JSON results in).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" --peers >&2
items="${1:-1000000}" threads="${2:-$(nproc)}"
m=16 ef_construction=200 k=10 queries=10000  # sim-index's defaults; k as in recall@10
efs="${SIM_BENCH_EFS:-10,16,24,32,48,64,96,128,192,256,384,512}"
repeats="${SIM_BENCH_REPEATS:-3}"
plot="${SIM_BENCH_PLOT-$root/docs/index_recall_qps.png}"
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"
bench="$root/scripts/bench"
if [[ -n ${SIM_BENCH_KEEP:-} ]]; then
  work="$SIM_BENCH_KEEP"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

echo "== load before: $(uptime)"
results=()
for dataset in ${SIM_BENCH_DATASETS:-fashion synthetic}; do
  case "$dataset" in
    fashion)
      if [[ -n ${SIM_BENCH_EMBEDDINGS:-} ]]; then
        base="$SIM_BENCH_EMBEDDINGS/train.h5" query="$SIM_BENCH_EMBEDDINGS/test.h5"
      else
        base="$work/fashion.train.h5" query="$work/fashion.test.h5"
        # One epoch is enough for an index benchmark: the embeddings are already clustered by class.
        "$bin/sim-train" "$data" -o "$work/fashion.sim" --epochs 1 --threads "$threads" -q
        "$bin/sim-embed" -m "$work/fashion.sim" "$data" --split train -o "$base" --threads "$threads" -q
        "$bin/sim-embed" -m "$work/fashion.sim" "$data" --split test -o "$query" --threads "$threads" -q
      fi
      ;;
    synthetic)
      base="$work/synthetic.base.h5" query="$work/synthetic.queries.h5"
      /usr/bin/python3 "$bench/index_data.py" "$base" "$query" --n "$items" --queries "$queries" --seed 0
      ;;
    *) echo "index.sh: unknown data set '$dataset' (fashion, synthetic)" >&2; exit 2 ;;
  esac
  /usr/bin/python3 "$bench/index_bench.py" run "$dataset" "$base" "$query" "$work" "$bin" \
    "$m" "$ef_construction" "$threads" "$k" "$efs" "$repeats" >"$work/$dataset.json"
  results+=("$work/$dataset.json")
done
echo "== load after: $(uptime)"

/usr/bin/python3 "$bench/index_bench.py" report "${results[@]}" ${plot:+--plot "$plot"}
