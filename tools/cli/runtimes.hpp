// The heavy libraries a program links, as run_main's runtimes: their versions for --version and
// their process-wide set-up from --threads and --seed. Inline, so that a program references only
// the libsim parts whose runtime it lists (sim-query lists hnswlib and HDF5, never LibTorch).
#pragma once

#include "base/blas_check.hpp"
#include "base/versions.hpp"
#include "cli/program.hpp"
#include "model/torch_runtime.hpp"
#include "search/hnsw_space.hpp"

namespace sim {

inline Runtime hdf5_runtime() { return {"HDF5", hdf5_version(), nullptr}; }

// Exact search multiplies with BLAS too: the configure step checks it (a loud warning if it is the
// reference BLAS), as LibTorch's does for training.
inline Runtime hnswlib_runtime() {
  return {"hnswlib", hnswlib_version(), [](const CommonOptions&) { check_blas(); }};
}

inline Runtime torch_runtime() {
  return {"LibTorch", torch_version(), [](const CommonOptions& c) { configure_torch(c.threads, c.seed); }};
}

}  // namespace sim
