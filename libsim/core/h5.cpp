#include "core/h5.hpp"

#include <memory>

#include "core/error.hpp"
#include "core/file_io.hpp"

namespace sim {
namespace {

void silence_hdf5_errors() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

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

H5File::H5File(const std::string& path) : path_(path) {
  silence_hdf5_errors();
  (void)read_prefix(path, 0);  // IoError with the OS's reason if missing, unreadable or a directory
  if (!looks_like_hdf5(path)) throw FormatError(path, "", "not an HDF5 file (no HDF5 signature)");
  id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id_ < 0) throw FormatError(path, "", "HDF5 file is corrupt or truncated");
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

std::vector<std::int64_t> H5File::read_int64s(const std::string& dataset, std::size_t max_values) const {
  return read_numeric<std::int64_t>(*this, dataset, 1, max_values, true, H5T_NATIVE_INT64);
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
    if (H5Dread(ds.id, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
      throw FormatError(path_, dataset, "cannot read (corrupt or truncated file)");
    }
    for (std::size_t i = 0; i < raw.size(); ++i) out[i] = raw[i] ? raw[i] : "";
    Handle space{H5Dget_space(ds.id), H5Sclose};
    H5Dvlen_reclaim(mem.id, space.id, H5P_DEFAULT, raw.data());
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
  return out;
}

}  // namespace sim
