#include "formats/h5.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/utf8.hpp"

namespace sim {
namespace {
// Before any other HDF5 call, as HDF5 requires: no clean-up at exit. A file whose close failed (a
// full disk) stays in HDF5's tables in a state its exit handler crashes on (SIGSEGV after the right
// message, exit 139 instead of 1); every file sim writes is closed and checked explicitly, and
// files it reads hold nothing to flush, so the handler has nothing to do.
const bool kNoHdf5ExitHandler = [] {
  (void)H5dont_atexit();
  return true;
}();
}  // namespace

IoError h5_write_error(const std::string& file, const std::string& field, const std::string& what) {
  const int err = errno;
  return IoError(file, field, err != 0 ? what + ": " + errno_reason(err) : what);
}

void silence_hdf5_errors() {
  (void)kNoHdf5ExitHandler;
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

namespace {

// Closes an HDF5 handle with its matching close function when it goes out of scope.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

}  // namespace

bool looks_like_hdf5(const std::string& path) {
  if (!is_regular_file(path)) return false;
  return read_prefix(path, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

bool looks_like_hdf5(const void* data, std::size_t size) {
  return size >= 8 && std::memcmp(data, "\x89HDF\r\n\x1a\n", 8) == 0;
}

H5Handle& H5Handle::operator=(H5Handle&& other) noexcept {
  if (this != &other) {
    (void)reset();
    id_ = other.id_;
    close_ = other.close_;
    other.id_ = -1;
  }
  return *this;
}

herr_t H5Handle::reset() noexcept {
  herr_t status = 0;
  if (id_ >= 0 && close_ != nullptr) status = close_(id_);
  id_ = -1;
  return status;
}

H5Handle utf8_string_type() {
  H5Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

namespace {

void write_scalar_attribute(hid_t object, const std::string& name, hid_t file_type, hid_t mem_type, const void* value,
                            const std::string& file) {
  silence_hdf5_errors();
  errno = 0;  // what the OS says if this fails (h5_write_error)
  H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  H5Handle attr{H5Acreate2(object, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  if (!attr.valid() || H5Awrite(attr.get(), mem_type, value) < 0 || attr.reset() < 0) {
    throw h5_write_error(file, name, "cannot write the attribute");
  }
}

}  // namespace

void write_string_attribute(hid_t object, const std::string& name, const std::string& value, const std::string& file) {
  const H5Handle type = utf8_string_type();
  const char* text = value.c_str();
  write_scalar_attribute(object, name, type.get(), type.get(), &text, file);
}

void write_int_attribute(hid_t object, const std::string& name, std::int64_t value, const std::string& file) {
  write_scalar_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, file);
}

void write_double_attribute(hid_t object, const std::string& name, double value, const std::string& file) {
  write_scalar_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, file);
}

H5File::H5File(const std::string& path) : path_(path) {
  silence_hdf5_errors();
  (void)read_prefix(path, 0);  // IoError with the OS's reason if missing, unreadable or a directory
  if (!looks_like_hdf5(path)) throw FormatError(path, "", "not an HDF5 file (no HDF5 signature)");
  id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id_ < 0) throw FormatError(path, "", "HDF5 file is corrupt or truncated");
}

H5File::H5File(std::string name, const void* image, std::size_t size) : path_(std::move(name)) {
  silence_hdf5_errors();
  if (size == 0) throw FormatError(path_, "", "empty input (expected an HDF5 file)");
  if (!looks_like_hdf5(image, size)) throw FormatError(path_, "", "not an HDF5 file (no HDF5 signature)");
  // Read-only and DONT_COPY: HDF5 reads the caller's bytes in place, it never writes or frees them.
  id_ = H5LTopen_file_image(const_cast<void*>(image), size, H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE);
  if (id_ < 0) throw FormatError(path_, "", "HDF5 file is corrupt or truncated");
}

H5File::~H5File() {
  if (id_ >= 0) H5Fclose(id_);
}

bool H5File::has(const std::string& dataset) const {
  return H5Lexists(id_, dataset.c_str(), H5P_DEFAULT) > 0 && H5Oexists_by_name(id_, dataset.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::size_t> H5File::shape(const std::string& dataset) const {
  if (!has(dataset)) throw FormatError(path_, dataset, "dataset is missing");
  Handle ds{H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) throw FormatError(path_, dataset, "is not a dataset");
  Handle space{H5Dget_space(ds.id), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 0) throw FormatError(path_, dataset, "has an unreadable shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

namespace {

// Opens `name`, checks rank, type class and size; returns the dataset handle and the value count.
std::size_t checked_count(const H5File& f, const std::string& name, int rank, std::size_t max_values,
                          bool integers_only) {
  const std::vector<std::size_t> dims = f.shape(name);
  if (int(dims.size()) != rank) {
    throw FormatError(f.path(), name,
                      "expected " + std::to_string(rank) + " dimensions, found " + std::to_string(dims.size()));
  }
  std::size_t count = 1;
  for (std::size_t d : dims) {
    if (d != 0 && count > max_values / d) {
      throw FormatError(f.path(), name, "holds more than " + std::to_string(max_values) + " values");
    }
    count *= d;
  }
  Handle ds{H5Dopen2(f.id(), name.c_str(), H5P_DEFAULT), H5Dclose};
  Handle type{H5Dget_type(ds.id), H5Tclose};
  const H5T_class_t cls = H5Tget_class(type.id);
  if (cls != H5T_INTEGER && (integers_only || cls != H5T_FLOAT)) {
    throw FormatError(f.path(), name, integers_only ? "expected integers" : "expected numbers");
  }
  return count;
}

// An unsigned value sim cannot hold in its int64: the number as the file holds it, and the limit.
std::string beyond_int64(std::uint64_t value) {
  return std::to_string(value) + ", beyond the largest value sim reads (" + std::to_string(INT64_MAX) + ")";
}

template <typename T>
std::vector<T> read_numeric(const H5File& f, const std::string& name, int rank, std::size_t max_values,
                            bool integers_only, hid_t memtype) {
  const std::size_t count = checked_count(f, name, rank, max_values, integers_only);
  std::vector<T> values(count);
  Handle ds{H5Dopen2(f.id(), name.c_str(), H5P_DEFAULT), H5Dclose};
  if (count > 0 && H5Dread(ds.id, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    throw FormatError(f.path(), name, "cannot read (corrupt or truncated file)");
  }
  return values;
}

}  // namespace

std::vector<float> H5File::read_floats(const std::string& dataset, int rank, std::size_t max_values) const {
  return read_numeric<float>(*this, dataset, rank, max_values, false, H5T_NATIVE_FLOAT);
}

std::vector<double> H5File::read_doubles(const std::string& dataset, int rank, std::size_t max_values) const {
  return read_numeric<double>(*this, dataset, rank, max_values, false, H5T_NATIVE_DOUBLE);
}

std::vector<std::int64_t> H5File::read_int64s(const std::string& dataset, std::size_t max_values) const {
  // As read_int_attribute: unsigned values are read as they were written, so that one above
  // INT64_MAX is refused as itself rather than clamped by HDF5's conversion.
  bool is_unsigned = false;
  if (has(dataset)) {
    Handle ds{H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), H5Dclose};
    Handle type{H5Dget_type(ds.id), H5Tclose};
    is_unsigned = H5Tget_class(type.id) == H5T_INTEGER && H5Tget_sign(type.id) == H5T_SGN_NONE;
  }
  if (!is_unsigned) return read_numeric<std::int64_t>(*this, dataset, 1, max_values, true, H5T_NATIVE_INT64);
  const std::vector<std::uint64_t> raw =
      read_numeric<std::uint64_t>(*this, dataset, 1, max_values, true, H5T_NATIVE_UINT64);
  std::vector<std::int64_t> values(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] > std::uint64_t(INT64_MAX)) {
      throw FormatError(path_, dataset, "row " + std::to_string(i) + " holds " + beyond_int64(raw[i]));
    }
    values[i] = std::int64_t(raw[i]);
  }
  return values;
}

std::vector<std::string> H5File::read_strings(const std::string& dataset, std::size_t max_values) const {
  const std::vector<std::size_t> dims = shape(dataset);
  if (dims.size() != 1) throw FormatError(path_, dataset, "expected a 1-D list of strings");
  if (dims[0] > max_values) {
    throw FormatError(path_, dataset, "holds more than " + std::to_string(max_values) + " strings");
  }
  Handle ds{H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), H5Dclose};
  Handle type{H5Dget_type(ds.id), H5Tclose};
  if (H5Tget_class(type.id) != H5T_STRING) throw FormatError(path_, dataset, "expected strings");
  std::vector<std::string> out(dims[0]);
  if (dims[0] == 0) return out;
  if (H5Tis_variable_str(type.id) > 0) {
    Handle mem{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(mem.id, H5T_VARIABLE);
    H5Tset_cset(mem.id, H5Tget_cset(type.id));
    std::vector<char*> raw(dims[0], nullptr);
    const bool read = H5Dread(ds.id, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) >= 0;
    if (read) {
      for (std::size_t i = 0; i < raw.size(); ++i) out[i] = raw[i] ? raw[i] : "";
    }
    // Also after a failed read: strings HDF5 converted into `raw` before failing are ours to free.
    Handle space{H5Dget_space(ds.id), H5Sclose};
    H5Dvlen_reclaim(mem.id, space.id, H5P_DEFAULT, raw.data());
    if (!read) throw FormatError(path_, dataset, "cannot read (corrupt or truncated file)");
  } else {
    const std::size_t width = H5Tget_size(type.id);
    std::vector<char> raw(width * dims[0]);
    if (H5Dread(ds.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
      throw FormatError(path_, dataset, "cannot read (corrupt or truncated file)");
    }
    for (std::size_t i = 0; i < dims[0]; ++i) {
      const char* s = raw.data() + i * width;
      std::size_t len = 0;
      while (len < width && s[len] != '\0') ++len;  // fixed-length strings are NUL- or space-padded
      out[i].assign(s, len);
    }
  }
  // Every string sim reads is text it may write again (ids, classes, payloads, history), always as
  // UTF-8: refused here, naming this file, rather than by the writer, naming its output.
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!is_valid_utf8(out[i])) {
      throw FormatError(path_, dataset, "entry " + std::to_string(i) + " (" + excerpt(out[i]) + ") is not valid UTF-8");
    }
  }
  return out;
}

std::uint64_t H5File::max_stored_values(const std::string& dataset) const {
  if (!has(dataset)) throw FormatError(path_, dataset, "dataset is missing");
  Handle ds{H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), H5Dclose};
  Handle type{ds.id >= 0 ? H5Dget_type(ds.id) : -1, H5Tclose};
  Handle dcpl{ds.id >= 0 ? H5Dget_create_plist(ds.id) : -1, H5Pclose};
  hsize_t file_bytes = 0;
  if (type.id < 0 || dcpl.id < 0 || H5Fget_filesize(id_, &file_bytes) < 0) {
    throw FormatError(path_, dataset, "cannot read the dataset's layout (corrupt file)");
  }
  const std::uint64_t value_bytes = std::max<std::uint64_t>(1, H5Tget_size(type.id));
  return std::uint64_t(file_bytes) / value_bytes * (H5Pget_nfilters(dcpl.id) > 0 ? 1024 : 1);
}

bool H5File::has_attribute(const std::string& name) const { return H5Aexists(id_, name.c_str()) > 0; }

namespace {

// Opens a root attribute holding exactly one value; returns it with its type.
std::pair<H5Handle, H5Handle> open_single_attribute(const H5File& f, const std::string& name) {
  if (!f.has_attribute(name)) throw FormatError(f.path(), name, "attribute is missing");
  H5Handle attr{H5Aopen(f.id(), name.c_str(), H5P_DEFAULT), H5Aclose};
  if (!attr.valid()) throw FormatError(f.path(), name, "cannot read the attribute (corrupt file)");
  H5Handle space{H5Aget_space(attr.get()), H5Sclose};
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw FormatError(f.path(), name, "expected a single value, found an array");
  }
  H5Handle type{H5Aget_type(attr.get()), H5Tclose};
  if (!type.valid()) throw FormatError(f.path(), name, "cannot read the attribute (corrupt file)");
  return {std::move(attr), std::move(type)};
}

}  // namespace

std::string H5File::read_string_attribute(const std::string& name) const {
  const auto [attr, type] = open_single_attribute(*this, name);
  if (H5Tget_class(type.get()) != H5T_STRING) throw FormatError(path_, name, "expected a string");
  const FormatError unreadable(path_, name, "cannot read the attribute (corrupt file)");
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Handle mem = utf8_string_type();
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    char* text = nullptr;
    if (H5Aread(attr.get(), mem.get(), &text) < 0) throw unreadable;
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  const std::size_t width = H5Tget_size(type.get());
  if (width == 0) throw unreadable;
  std::vector<char> raw(width);
  if (H5Aread(attr.get(), type.get(), raw.data()) < 0) throw unreadable;
  std::size_t len = 0;
  while (len < width && raw[len] != '\0') ++len;
  if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) {
    while (len > 0 && raw[len - 1] == ' ') --len;
  }
  return std::string(raw.data(), len);
}

std::int64_t H5File::read_int_attribute(const std::string& name) const {
  const auto [attr, type] = open_single_attribute(*this, name);
  if (H5Tget_class(type.get()) != H5T_INTEGER) throw FormatError(path_, name, "expected an integer");
  // Read in the width and sign it was written in: HDF5's conversion to int64 would silently clamp
  // an unsigned value above INT64_MAX (h5py writes numpy's uint64 so) to INT64_MAX, and a message
  // would then quote a number the file does not hold.
  const std::size_t width = H5Tget_size(type.get());
  const H5T_sign_t sign = H5Tget_sign(type.get());
  if (width == 0 || width > sizeof(std::int64_t) || sign == H5T_SGN_ERROR) {
    throw FormatError(path_, name,
                      "is a " + std::to_string(width) + "-byte integer; sim reads integers of at most 8 bytes");
  }
  const FormatError unreadable(path_, name, "cannot read the attribute (corrupt file)");
  if (sign == H5T_SGN_NONE) {
    std::uint64_t value = 0;
    if (H5Aread(attr.get(), H5T_NATIVE_UINT64, &value) < 0) throw unreadable;
    if (value > std::uint64_t(INT64_MAX)) throw FormatError(path_, name, "is " + beyond_int64(value));
    return std::int64_t(value);
  }
  std::int64_t value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) throw unreadable;
  return value;
}

double H5File::read_double_attribute(const std::string& name) const {
  const auto [attr, type] = open_single_attribute(*this, name);
  if (H5Tget_class(type.get()) != H5T_FLOAT) throw FormatError(path_, name, "expected a floating-point number");
  double value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) throw FormatError(path_, name, "cannot read the attribute");
  return value;
}

// --- Writing, and attributes of sub-objects --------------------------------------------------------

H5Handle create_h5_file(const std::string& path, const std::string& name) {
  silence_hdf5_errors();
  H5Handle fcpl{H5Pcreate(H5P_FILE_CREATE), H5Pclose};
  H5Pset_obj_track_times(fcpl.get(), false);
  H5Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18);
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  errno = 0;  // what the OS says if this fails (h5_write_error)
  H5Handle file{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose};
  if (!file.valid()) throw h5_write_error(name, "", "cannot create the HDF5 file '" + path + "'");
  return file;
}

H5Handle untimed_dataset_creation() {
  H5Handle dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  H5Pset_obj_track_times(dcpl.get(), false);
  return dcpl;
}

H5Handle create_h5_group(hid_t location, const std::string& group, const std::string& file) {
  silence_hdf5_errors();
  H5Handle gcpl{H5Pcreate(H5P_GROUP_CREATE), H5Pclose};
  H5Pset_obj_track_times(gcpl.get(), false);
  H5Handle g{H5Gcreate2(location, group.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose};
  if (!g.valid()) throw IoError(file, group, "cannot create the group");
  return g;
}

void write_dataset(hid_t location, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                   const std::vector<std::size_t>& dims, const std::string& file) {
  silence_hdf5_errors();
  errno = 0;  // what the OS says if this fails (h5_write_error)
  const std::vector<hsize_t> h5dims(dims.begin(), dims.end());
  H5Handle space{H5Screate_simple(int(h5dims.size()), h5dims.data(), nullptr), H5Sclose};
  const H5Handle dcpl = untimed_dataset_creation();
  H5Handle set{H5Dcreate2(location, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
               H5Dclose};
  std::size_t count = 1;
  for (std::size_t d : dims) count *= d;
  if (!set.valid() || (count > 0 && H5Dwrite(set.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) ||
      set.reset() < 0) {
    throw h5_write_error(file, name, "cannot write the dataset");
  }
}

void write_strings(hid_t location, const std::string& name, const std::vector<std::string>& values,
                   const std::string& file) {
  std::vector<const char*> raw;
  raw.reserve(values.size());
  for (const std::string& v : values) raw.push_back(v.c_str());
  const H5Handle type = utf8_string_type();
  write_dataset(location, name, type.get(), type.get(), raw.data(), {values.size()}, file);
}

bool H5File::has_attribute(const std::string& object, const std::string& name) const {
  if (H5Lexists(id_, object.c_str(), H5P_DEFAULT) <= 0) return false;
  return H5Aexists_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string H5File::read_string_attribute(const std::string& object, const std::string& name) const {
  const std::string field = object + "/" + name;
  if (!has_attribute(object, name)) throw FormatError(path_, field, "attribute is missing");
  H5Handle attr{H5Aopen_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  H5Handle type{attr.valid() ? H5Aget_type(attr.get()) : -1, H5Tclose};
  H5Handle space{attr.valid() ? H5Aget_space(attr.get()) : -1, H5Sclose};
  if (!type.valid() || !space.valid()) throw FormatError(path_, field, "cannot read the attribute (corrupt file)");
  if (H5Sget_simple_extent_npoints(space.get()) != 1) throw FormatError(path_, field, "expected a single value");
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) <= 0) {
    throw FormatError(path_, field, "expected a variable-length string");
  }
  H5Handle mem = utf8_string_type();
  H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
  char* text = nullptr;
  if (H5Aread(attr.get(), mem.get(), &text) < 0) throw FormatError(path_, field, "cannot read the attribute");
  std::string value = text ? text : "";
  H5free_memory(text);
  return value;
}

bool check_dataset_storage(const H5File& f, const std::string& name) {
  const H5Handle set{H5Dopen2(f.id(), name.c_str(), H5P_DEFAULT), H5Dclose};
  const H5Handle dcpl{set.valid() ? H5Dget_create_plist(set.get()) : -1, H5Pclose};
  if (!dcpl.valid()) throw FormatError(f.path(), name, "cannot read the dataset's layout (corrupt file)");
  const H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout == H5D_VIRTUAL) {
    throw FormatError(f.path(), name, "is a virtual dataset; sim reads data stored in the file itself");
  }
  if (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED && layout != H5D_COMPACT) {
    throw FormatError(f.path(), name, "has an unreadable storage layout (corrupt file)");
  }
  if (H5Pget_external_count(dcpl.get()) > 0) {
    throw FormatError(f.path(), name, "is stored in external files; sim reads data stored in the file itself");
  }
  return H5Pget_nfilters(dcpl.get()) > 0;
}

bool has_sim_attributes(const H5File& f) {
  for (const char* name : {"version", "count", "dim", "distance"}) {
    if (f.has_attribute(name)) return true;
  }
  return false;
}

}  // namespace sim
