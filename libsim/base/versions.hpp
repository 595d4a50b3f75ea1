// Version strings for --version and for provenance written into artifacts.
#pragma once

#include <string>

#include "base/program.hpp"

namespace sim {

std::string sim_version();  // "0.1.0"
std::string cli11_version();
std::string spdlog_version();
std::string hdf5_version();  // of the library loaded at run time

// HDF5 as a runtime of every program (the embeddings format is HDF5).
Runtime hdf5_runtime();

}  // namespace sim
