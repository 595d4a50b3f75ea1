#!/usr/bin/env bash
# Installs every Debian package sim needs, then configures and builds it (CMake, Release, -j2).
# Idempotent: packages already installed are skipped (no apt-get at all when nothing is missing),
# and the build is incremental. Called by the README's two commands; safe to run by hand.
#
#   scripts/setup.sh            build and test dependencies + Fashion-MNIST, then build everything
#   scripts/setup.sh --programs the same, but build only the programs (and the plugins they load),
#                               not the tests: what the main job runs
#   scripts/setup.sh --peers    also the Python peers the benchmarks compare with (faiss)
#   scripts/setup.sh --fuzz     also clang and libFuzzer, for the fuzz build (scripts/fuzz.sh)
#   scripts/setup.sh --no-build only install packages
#
# Environment: SIM_BUILD_DIR (default: build), SIM_BUILD_TYPE (default: Release), SIM_JOBS (default: 2),
# SIM_SKIP_SETUP=1 (do nothing: for benchmark scripts measuring another build folder as it is).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

# What each group is for is in ../shared/DESIGN.md ("Dependencies").
build_packages=(
  build-essential cmake pkg-config
  libtorch-dev libgloo-dev libopenblas0-openmp libblas-dev
  libhnswlib-dev libcli11-dev libspdlog-dev libhdf5-dev doctest-dev
  libstb-dev zlib1g-dev nlohmann-json3-dev
)
data_packages=(dataset-fashion-mnist)
# Small Python packages the interop tests use (our files in h5py and hnswlib's own bindings).
# python3-torch is a test package, not only a peer: tests/cli/python_interop.sh traces a PyTorch
# net for sim-train --backbone and reads sim's model file back in PyTorch, and CI must run it.
# python3-torchvision: scripts/torchvision-backbone.py and its test (a torchvision trunk under sim).
# chromium: the real browser the report's projector page is tested in (headless).
# iproute2: the network namespace each distributed test runs in (tests/own_network.sh).
test_packages=(python3 python3-numpy python3-h5py python3-hnswlib python3-torch python3-torchvision chromium iproute2)
# iproute2 and ethtool: the namespaces standing in for two hosts in scripts/bench/distributed.sh.
peer_packages=(python3-faiss python3-matplotlib iproute2 ethtool)
# The fuzz build (-DSIM_FUZZ=ON): clang with libFuzzer and its sanitizer runtimes; libomp so that
# the exact index is built with OpenMP as in the gcc build.
fuzz_packages=(clang-14 libclang-rt-14-dev libomp-14-dev)

want_peers=0
want_fuzz=0
want_build=1
want_programs=0
for arg in "$@"; do
  case "$arg" in
    --peers) want_peers=1 ;;
    --fuzz) want_fuzz=1 ;;
    --no-build) want_build=0 ;;
    --programs) want_programs=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

if [[ -n ${SIM_SKIP_SETUP:-} ]]; then
  echo "setup.sh: skipped (SIM_SKIP_SETUP is set): nothing installed or built" >&2
  exit 0
fi

packages=("${build_packages[@]}" "${data_packages[@]}" "${test_packages[@]}")
if [[ $want_peers == 1 ]]; then packages+=("${peer_packages[@]}"); fi
if [[ $want_fuzz == 1 ]]; then packages+=("${fuzz_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=()
  if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
  echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages already installed, skipping apt-get" >&2
fi

if [[ $want_build == 1 ]]; then
  # shellcheck source=suites.sh
  source "$here/suites.sh"
  if [[ $want_programs == 1 ]]; then suite_build normal sim_programs; else suite_build normal; fi
fi
