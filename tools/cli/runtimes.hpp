// The heavy libraries a program links, as run_main's runtimes: their versions for --version and
// their process-wide set-up from --threads and --seed. Inline, so that a program references only
// the libsim parts whose runtime it lists (sim-query lists hnswlib and HDF5, never LibTorch).
#pragma once

#include "base/blas_check.hpp"
#include "base/versions.hpp"
#include "cli/program.hpp"
#include "commands/torch_plugin.hpp"
#include "search/hnsw_space.hpp"

namespace sim {

inline Runtime hdf5_runtime() { return {"HDF5", hdf5_version, nullptr}; }

// Exact search multiplies with BLAS too: the configure step checks it (a loud warning if it is the
// reference BLAS), as LibTorch's does for training.
inline Runtime hnswlib_runtime() {
  return {"hnswlib", hnswlib_version, [](const CommonOptions&) { check_blas(); }};
}

// LibTorch comes as a plugin, loaded when a run needs a network (commands/torch_plugin.hpp): its
// version is asked of the plugin, and --threads and --seed are applied when it loads.
inline Runtime torch_runtime() {
  return {"LibTorch", [] { return torch_plugin().version(); },
          [](const CommonOptions& c) { set_torch_settings(c.threads, c.seed); }};
}

}  // namespace sim
