// LibTorch's process-wide set-up: intra-op threads (LibTorch starts with one here unless told), the
// seed, malloc tuning for its large tensors, and a loud warning when the BLAS underneath is not
// OpenBLAS. Programs that run models call configure_torch once at start-up, from --threads and
// --seed (the command line's LibTorch runtime does it, tools/cli/runtimes.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace sim {

std::string torch_version();  // "1.13.1"

// Address space LibTorch's own start-up needs beyond its mapped libraries, in MiB: the command
// line's start-up check (tools/cli/program.cpp, check_address_space) reads it, through a weak
// reference, in the programs that link LibTorch. Measured: sim-train --version needed ~300 MiB
// more than the 256 MiB that suffice for the programs without it.
extern "C" const unsigned sim_startup_reserve_mib;

// Applies `threads` (>= 1) and `seed` to LibTorch; checks the BLAS.
void configure_torch(unsigned threads, std::uint64_t seed);

}  // namespace sim
