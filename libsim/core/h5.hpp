// Reading HDF5 files with every failure turned into a FormatError/IoError naming the file and the
// dataset. HDF5's own error stack printing is switched off: our message is the one users see.
// Not thread-safe (Debian's HDF5 is the serial build): call from one thread at a time.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

// True if the file starts with the HDF5 signature.
bool looks_like_hdf5(const std::string& path);

class H5File {
 public:
  // Opens read-only. Throws IoError if missing/unreadable, FormatError if not HDF5.
  explicit H5File(const std::string& path);
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  const std::string& path() const { return path_; }
  hid_t id() const { return id_; }

  bool has(const std::string& dataset) const;
  // Dimensions of a dataset; throws FormatError if it is missing.
  std::vector<std::size_t> shape(const std::string& dataset) const;

  // Reads a numeric dataset of the given rank, converted to float / int64. Throws FormatError when
  // the dataset is missing, has another rank, is not numeric (or, for ints, not an integer type),
  // or holds more than max_values values (checked before allocating).
  std::vector<float> read_floats(const std::string& dataset, int rank, std::size_t max_values) const;
  std::vector<std::int64_t> read_int64s(const std::string& dataset, std::size_t max_values) const;
  // A 1-D dataset of strings, fixed or variable length.
  std::vector<std::string> read_strings(const std::string& dataset, std::size_t max_values) const;

 private:
  std::string path_;
  hid_t id_ = -1;
};

}  // namespace sim
