// LibTorch as a program runtime: version for --version, and start-up configuration from the common
// flags: intra-op threads (LibTorch starts with one here unless told), the seed, and a loud warning
// when the BLAS underneath is not OpenBLAS.
#pragma once

#include "base/program.hpp"

namespace sim {

Runtime torch_runtime();

// Applies --threads and --seed to LibTorch; checks the BLAS. Called by run_main via torch_runtime().
void configure_torch(const CommonOptions& common);

}  // namespace sim
