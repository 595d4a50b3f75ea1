// LibTorch's process-wide set-up: intra-op threads (LibTorch starts with one here unless told), the
// seed, and a loud warning when the BLAS underneath is not OpenBLAS (malloc's tuning for its large
// tensors is every program's, from run_main). Programs that run models call configure_torch once, from --threads and --seed, when
// they load LibTorch's plugin (commands/torch_plugin.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace sim {

std::string torch_version();  // "1.13.1"

// Applies `threads` (>= 1) and `seed` to LibTorch; checks the BLAS.
void configure_torch(unsigned threads, std::uint64_t seed);

}  // namespace sim
