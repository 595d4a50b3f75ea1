// Version strings for --version and for provenance written into artifacts.
#pragma once

#include <string>

namespace sim {

std::string sim_version();  // "0.1.0"
std::string spdlog_version();
std::string hdf5_version();  // of the library loaded at run time

}  // namespace sim
