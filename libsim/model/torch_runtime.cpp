#include "model/torch_runtime.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "base/blas_check.hpp"

namespace sim {

void configure_torch(unsigned threads, std::uint64_t seed) {
  // glibc returns large freed blocks to the OS and maps fresh, zeroed pages for the next ones, so
  // every batch's activations page-fault again (DESIGN.md: ~12x slower inference at batch 1000).
  // Keeping them in the heap: measured in docs/benchmarks.md (sim-embed, Fashion-MNIST).
  static bool malloc_tuned = false;
  if (!malloc_tuned) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    malloc_tuned = true;
  }
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
