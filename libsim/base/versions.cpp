#include "base/versions.hpp"

#include <hdf5.h>
#include <spdlog/version.h>

#include "base/version_config.hpp"

namespace sim {

std::string sim_version() { return SIM_VERSION; }

std::string spdlog_version() {
  return std::to_string(SPDLOG_VER_MAJOR) + "." + std::to_string(SPDLOG_VER_MINOR) + "." +
         std::to_string(SPDLOG_VER_PATCH);
}

std::string hdf5_version() {
  unsigned major = 0, minor = 0, release = 0;
  if (H5get_libversion(&major, &minor, &release) < 0) return "unknown";
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

}  // namespace sim
