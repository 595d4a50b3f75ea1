#include "model/torch_runtime.hpp"

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "base/blas_check.hpp"

namespace sim {

void configure_torch(unsigned threads, std::uint64_t seed) {
  // malloc's tuning for large tensors (freed blocks kept in the heap: without it every batch's
  // activations page-fault again, DESIGN.md: ~12x slower inference at batch 1000) is done for
  // every program at its start (tools/cli/program.cpp, run_main), before this plugin is loaded.
  at::set_num_threads(int(threads));
  // Inter-op parallelism only matters for graphs with independent branches; keep it from
  // competing with intra-op threads on small machines.
  static bool inter_op_set = false;  // LibTorch allows setting it once per process
  if (!inter_op_set) {
    at::set_num_interop_threads(1);
    inter_op_set = true;
  }
  torch::manual_seed(seed);
  check_blas();
  spdlog::debug("LibTorch {}: {} intra-op threads", TORCH_VERSION, at::get_num_threads());
}

std::string torch_version() { return TORCH_VERSION; }

}  // namespace sim
