#include "formats/artifact_header.hpp"

#include "base/error.hpp"
#include "base/utf8.hpp"

namespace sim {

bool has_artifact_format(const std::string& path, const std::string& format) {
  try {
    if (path == "-" || !looks_like_hdf5(path)) return false;
    const H5File f(path);
    return f.has_attribute("format") && f.read_string_attribute("format") == format;
  } catch (...) {
    return false;
  }
}

std::int64_t check_version(const H5File& f, std::int64_t newest) {
  const std::int64_t version = f.read_int_attribute("version");
  if (version > newest) {
    throw FormatError(f.path(), "version",
                      "written by a newer sim (version " + std::to_string(version) + "); this build reads version " +
                          std::to_string(newest));
  }
  if (version < 1) throw FormatError(f.path(), "version", "is " + std::to_string(version) + ", not a valid version");
  return version;
}

void check_finished(const H5File& f, const std::string& what) {
  if (!f.has_attribute("count")) {
    throw FormatError(f.path(), "count",
                      "missing: " + what + " is incomplete (its writer did not finish) or was truncated");
  }
}

Distance read_distance_attribute(const H5File& f) {
  const std::string name = f.read_string_attribute("distance");
  std::string valid;
  for (Distance d : all_distances()) {
    if (to_string(d) == name) return d;
    valid += (valid.empty() ? "" : ", ") + std::string(to_string(d));
  }
  throw FormatError(f.path(), "distance", "unknown distance '" + to_valid_utf8(name) + "' (expected " + valid + ")");
}

}  // namespace sim
