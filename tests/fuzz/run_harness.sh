#!/usr/bin/env bash
# Runs one harness: HARNESS SEEDS CORPUS [libFuzzer options...]. The ctest short runs (CORPUS "-":
# a scratch folder, removed after) and scripts/fuzz.sh (a corpus kept between runs) both come
# here, so both fuzz with the same options. Seeds are read, never written. A crash, leak, OOM or
# timeout leaves its input in the working folder (crash-*, leak-*, oom-*, timeout-*) and fails.
set -euo pipefail
harness="$1" seeds="$2" corpus="$3"
shift 3
if [[ $corpus == - ]]; then
  corpus="$(mktemp -d "${TMPDIR:-/tmp}/sim-fuzz-corpus.XXXXXX")"
  trap 'rm -rf "$corpus"' EXIT
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Leaks inside HDF5 that sim cannot fix, each explained in the file.
export LSAN_OPTIONS="suppressions=$here/../sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
options=(-timeout=20 -rss_limit_mb=2048)
case "$(basename "$harness")" in
  fuzz_embeddings | fuzz_index_sidecar | fuzz_vector_dataset)
    # HDF5 1.10.8 reads a variable-length string by allocating a conversion buffer of the length
    # the file claims, up to 4 GiB, and copying the global heap into it before noticing the heap
    # object is shorter (H5T__conv_vlen, H5HG_read): nothing sim can check beforehand (README,
    # "Hardening"). Room for that one buffer, so that it is not reported on every run; sim's own
    # reads are bounded by the file's size, far below this.
    options+=(-malloc_limit_mb=4608 -rss_limit_mb=4608)
    # Debian's HDF5 has no frame pointers: without the slow unwinder a leak's stack stops at its
    # first HDF5 frame, and neither the report nor lsan.supp could tell where it came from.
    export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" ;;
esac
"$harness" "${options[@]}" "$@" "$corpus" "$seeds"
