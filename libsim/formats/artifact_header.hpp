// The root attributes every sim HDF5 artifact (embeddings, index sidecar) starts with, checked the
// same way by each reader once it has checked `format` (each names its own kind of file there).
// Every error is a FormatError naming the file and the attribute.
#pragma once

#include <cstdint>
#include <string>

#include "base/distance.hpp"
#include "formats/h5.hpp"

namespace sim {

// Whether `path` is an HDF5 file whose root attribute `format` is `format` (false for "-", for any
// other file, and for one that cannot be read): how readers recognise their artifacts by content.
bool has_artifact_format(const std::string& path, const std::string& format);

// `version` is from 1 to `newest` (a newer one: "written by a newer sim"); returns it.
std::int64_t check_version(const H5File& f, std::int64_t newest);

// `count` is there: writers set it last, so without it `what` ("the file", "the sidecar") is
// incomplete (its writer did not finish) or was truncated.
void check_finished(const H5File& f, const std::string& what);

// `distance` holds one of the canonical names (parse_distance's aliases are for command lines).
Distance read_distance_attribute(const H5File& f);

}  // namespace sim
