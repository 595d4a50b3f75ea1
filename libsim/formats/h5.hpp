// Reading HDF5 files with every failure turned into a FormatError/IoError naming the file and the
// dataset. HDF5's own error stack printing is switched off: our message is the one users see.
// Not thread-safe (Debian's HDF5 is the serial build): call from one thread at a time.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace sim {

// True if the file starts with the HDF5 signature.
bool looks_like_hdf5(const std::string& path);
// True if the bytes start with the HDF5 signature.
bool looks_like_hdf5(const void* data, std::size_t size);

// Switches off HDF5's automatic printing of its error stack to stderr (once per process; our
// message is the one users see). Everything here calls it; code that calls the HDF5 C API
// directly should call it first too.
void silence_hdf5_errors();

// Owns an HDF5 identifier and closes it with its matching function (H5Dclose, H5Sclose, ...).
class H5Handle {
 public:
  H5Handle() = default;
  H5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~H5Handle() { (void)reset(); }
  H5Handle(H5Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  H5Handle& operator=(H5Handle&& other) noexcept;
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  // Closes now; returns the close function's status (negative: failed, e.g. H5Fclose on a full disk).
  herr_t reset() noexcept;

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// A variable-length UTF-8 string type (what h5py reads as str).
H5Handle utf8_string_type();

// Writes a scalar attribute on `object` (a file id means its root group): a variable-length UTF-8
// string, a 64-bit little-endian integer or a float64. Throws IoError naming `file` and the attribute.
void write_string_attribute(hid_t object, const std::string& name, const std::string& value, const std::string& file);
void write_int_attribute(hid_t object, const std::string& name, std::int64_t value, const std::string& file);
void write_double_attribute(hid_t object, const std::string& name, double value, const std::string& file);

// --- Writing -------------------------------------------------------------------------------------
// Creates (truncating) an HDF5 file for writing whose bytes depend only on what is written: no
// object timestamps, format bounds fixed at 1.8 (readable by every HDF5 since 1.8, h5py included,
// and the same bytes whichever HDF5 1.10+ wrote them).
// `name` is what errors call it (e.g. the target of an AtomicFile whose temporary is `path`).
// Throws IoError naming `name`.
H5Handle create_h5_file(const std::string& path, const std::string& name);

// The IoError for an HDF5 write or close that failed: with the OS's reason (errno_reason: "disk
// full" for ENOSPC) when the failing call left one in errno, which the caller zeroes before it.
IoError h5_write_error(const std::string& file, const std::string& field, const std::string& what);

// A dataset creation property list without timestamps, for datasets a writer sets up itself
// (chunked, extendible); write_dataset uses one.
H5Handle untimed_dataset_creation();

// Creates a group without timestamps. Throws IoError naming `file` and the group.
H5Handle create_h5_group(hid_t location, const std::string& group, const std::string& file);

// Writes a whole contiguous dataset in one call: `dims` (rank 1 or 2) values of `mem_type` stored
// as `file_type` (e.g. H5T_IEEE_F32LE from H5T_NATIVE_FLOAT). Zero-sized datasets are allowed.
// Throws IoError naming `file` and the dataset.
void write_dataset(hid_t location, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                   const std::vector<std::size_t>& dims, const std::string& file);
// A 1-D dataset of variable-length UTF-8 strings (h5py reads them as str).
void write_strings(hid_t location, const std::string& name, const std::vector<std::string>& values,
                   const std::string& file);

class H5File {
 public:
  // Opens read-only. Throws IoError if missing/unreadable, FormatError if not HDF5.
  explicit H5File(const std::string& path);
  // Opens an in-memory file image read-only, without copying it: `image` must outlive this object.
  // `name` is what errors call it ("-" for stdin). Throws FormatError if empty, not HDF5 or corrupt.
  H5File(std::string name, const void* image, std::size_t size);
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  const std::string& path() const { return path_; }
  hid_t id() const { return id_; }

  bool has(const std::string& dataset) const;
  // Dimensions of a dataset; throws FormatError if it is missing.
  std::vector<std::size_t> shape(const std::string& dataset) const;

  // Reads a numeric dataset of the given rank, converted to float / double / int64. Throws FormatError when
  // the dataset is missing, has another rank, is not numeric (or, for ints, not an integer type),
  // or holds more than max_values values (checked before allocating).
  std::vector<float> read_floats(const std::string& dataset, int rank, std::size_t max_values) const;
  std::vector<double> read_doubles(const std::string& dataset, int rank, std::size_t max_values) const;
  std::vector<std::int64_t> read_int64s(const std::string& dataset, std::size_t max_values) const;
  // A 1-D dataset of strings, fixed or variable length.
  std::vector<std::string> read_strings(const std::string& dataset, std::size_t max_values) const;

  // The most values `dataset` can hold given the file's own size: its bytes over the size of one
  // stored value, times 1024 when the data passes through filters (deflate expands at most ~1032:1).
  // A bound for read_* calls, so a header claiming absurd dimensions is refused before allocating.
  // Throws FormatError if the dataset is missing or unreadable.
  std::uint64_t max_stored_values(const std::string& dataset) const;

  // Attributes of the root group. The readers throw FormatError naming the attribute when it is
  // missing, is not a single value (scalar or one element), or has another type: a string (fixed
  // or variable length, any character set) or an integer (converted to int64).
  bool has_attribute(const std::string& name) const;
  std::string read_string_attribute(const std::string& name) const;
  std::int64_t read_int_attribute(const std::string& name) const;
  double read_double_attribute(const std::string& name) const;
  // The same for an attribute of another object (a group or dataset path, e.g. "calibration").
  // Errors name the field as "object/name".
  bool has_attribute(const std::string& object, const std::string& name) const;
  std::string read_string_attribute(const std::string& object, const std::string& name) const;

 private:
  std::string path_;
  hid_t id_ = -1;
};

// Refuses storage that reads other files (external raw data, virtual datasets), naming the file and
// `dataset`; returns whether the data passes through filters (compression), which changes how
// large it may be.
bool check_dataset_storage(const H5File& f, const std::string& dataset);

// True if the root group carries any of the attributes sim writes beside `format` (version,
// count, dim, distance): a file that has them but lacks `format` is damaged, not another tool's.
bool has_sim_attributes(const H5File& f);

}  // namespace sim
