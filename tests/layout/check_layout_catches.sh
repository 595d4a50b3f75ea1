#!/usr/bin/env bash
# The layout check must fail on each kind of violation it exists for: a copy of the tree gets one
# violation at a time, and check_layout.py must exit 1 and name it. (The real tree passing is its
# own ctest test.)  Usage: check_layout_catches.sh SOURCE_ROOT
set -uo pipefail
src="$1"
check="$src/tests/layout/check_layout.py"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect NAME MESSAGE SETUP...: runs SETUP in a fresh copy, then the check, which must exit 1 and
# print MESSAGE.
expect() {
  local name="$1" message="$2"
  shift 2
  rm -rf "$tmp/tree" && mkdir -p "$tmp/tree" && cp -r "$src/libsim" "$src/tools" "$tmp/tree/"
  (cd "$tmp/tree" && eval "$@")
  local out status
  out="$(python3 "$check" "$tmp/tree" 2>&1)"
  status=$?
  if [[ $status != 1 ]] || ! grep -qF -- "$message" <<<"$out"; then
    echo "FAIL: $name: expected exit 1 and '$message', got exit $status:" >&2
    echo "$out" >&2
    failures=$((failures + 1))
  fi
}

expect "CLI11 in libsim" "includes CLI11 <CLI/CLI.hpp>" \
  "sed -i '1i #include <CLI/CLI.hpp>' libsim/base/error.hpp"
expect "the engine including a use case" 'search/ includes commands/ ("commands/query_command.hpp")' \
  "sed -i '1i #include \"commands/query_command.hpp\"' libsim/search/index.hpp"
expect "the base including a layer above it" 'base/ includes data/ ("data/dataset.hpp")' \
  "sed -i '1i #include \"data/dataset.hpp\"' libsim/base/distance.hpp"
expect "libsim including the command line" 'includes "cli/program.hpp", which is not in libsim' \
  "sed -i '1i #include \"cli/program.hpp\"' libsim/formats/h5.cpp"
expect "LibTorch outside model and train" "includes LibTorch <torch/torch.h> outside" \
  "sed -i '1i #include <torch/torch.h>' libsim/eval/projection.cpp"
expect "a program reaching LibTorch through headers" \
  "tools/sim-info/main.cpp: reaches LibTorch through cli/runtimes.hpp -> commands/embed_command.hpp" \
  "sed -i '1i #include \"commands/embed_command.hpp\"' tools/cli/runtimes.hpp"
expect "hnswlib outside its translation unit" "includes hnswlib <hnswlib/hnswlib.h> outside" \
  "sed -i '1i #include <hnswlib/hnswlib.h>' libsim/search/exact_index.cpp"
expect "a private HNSW header elsewhere" "private to search/hnsw_index.cpp" \
  "sed -i '1i #include \"search/hnsw_graph.hpp\"' libsim/search/index.cpp"
expect "a folder missing from the map" "libsim/extra/: not in the map" \
  "mkdir libsim/extra && echo '// x' > libsim/extra/x.hpp"
expect "a file over 600 lines" "601 lines, more than 600" \
  "mkdir -p libsim/base && for i in \$(seq 601); do echo '// line'; done > libsim/base/long.hpp"
expect "a folder over 30% of the lines" "more than 30%" \
  "for i in \$(seq 20); do for j in \$(seq 590); do echo '// line'; done > libsim/draw/padding_\$i.hpp; done"
expect "a main of 150 lines" "lines, not under 150" \
  "for i in \$(seq 150); do echo '// line'; done >> tools/sim-info/main.cpp"

if [[ $failures != 0 ]]; then
  echo "check_layout_catches: $failures case(s) not caught" >&2
  exit 1
fi
echo "check_layout_catches: every kind of violation is caught"
