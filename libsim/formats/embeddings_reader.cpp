// read_embeddings: every check the format promises, in the order that gives the most useful message
// (what the file is, its version, whether its writer finished, then shapes, then values), and every
// size bounded by the file's own size before anything is allocated.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <new>
#include <set>

#include "base/distance.hpp"
#include "base/error.hpp"
#include "base/utf8.hpp"
#include "formats/artifact_header.hpp"
#include "formats/embeddings.hpp"
#include "formats/h5.hpp"

namespace sim {
namespace {

// Uncompressed data cannot be larger than the file; filtered data (other tools may write gzip) can
// expand by at most about this much (deflate's limit is ~1032:1).
constexpr std::uint64_t kMaxFilterRatio = 1024;

// All of stdin in one growable anonymous mapping: growing it with mremap moves pages instead of
// copying them, so reading a pipe never needs more than the bytes read.
class StdinBytes {
 public:
  StdinBytes() {
    try {
      read_all(STDIN_FILENO);
    } catch (...) {  // no destructor runs for a constructor that throws
      if (base_ != nullptr) ::munmap(base_, capacity_);
      throw;
    }
  }
  ~StdinBytes() {
    if (base_ != nullptr) ::munmap(base_, capacity_);
  }
  StdinBytes(const StdinBytes&) = delete;
  StdinBytes& operator=(const StdinBytes&) = delete;

  const void* data() const noexcept { return base_; }
  std::size_t size() const noexcept { return size_; }

 private:
  void reserve(std::size_t capacity) {
    void* p = base_ == nullptr ? ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                               : ::mremap(base_, capacity_, capacity, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) throw std::bad_alloc();
    base_ = p;
    capacity_ = capacity;
  }

  void read_all(int fd) {
    std::size_t initial = std::size_t(1) << 16;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {  // `< file`: its size is known
      const off_t at = ::lseek(fd, 0, SEEK_CUR);
      if (at >= 0 && st.st_size > at) initial = std::size_t(st.st_size - at) + 1;
    }
    reserve(initial);
    for (;;) {
      if (size_ == capacity_) reserve(capacity_ * 2);
      const ssize_t n = ::read(fd, static_cast<char*>(base_) + size_, capacity_ - size_);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw io_error("-", "cannot read standard input", errno);
      }
      if (n == 0) break;
      const bool had_signature_bytes = size_ >= kSignatureBytes;
      size_ += std::size_t(n);
      // Refused as soon as it can be told, not after all of it is in memory: `-i - </dev/zero`
      // grew by 200 MB/s until the machine ran out.
      if (!had_signature_bytes && size_ >= kSignatureBytes && !looks_like_hdf5(base_, size_)) {
        throw FormatError("-", "", "not an HDF5 file (no HDF5 signature)");
      }
      if (size_ > max_bytes()) {
        throw IoError("-", "",
                      "standard input is larger than this machine's memory (" + std::to_string(max_bytes() >> 20) +
                          " MiB); write it to a file and give its path");
      }
    }
  }

  static constexpr std::size_t kSignatureBytes = 8;

  // What stdin may take: all of physical memory (it is held in memory whole).
  static std::size_t max_bytes() {
    static const std::size_t bytes = std::size_t(::sysconf(_SC_PHYS_PAGES)) * std::size_t(::sysconf(_SC_PAGESIZE));
    return bytes;
  }

  void* base_ = nullptr;
  std::size_t capacity_ = 0, size_ = 0;
};

std::string row_name(const Embeddings& e, std::size_t row) {
  return "row " + std::to_string(row) + " (id '" + to_valid_utf8(e.ids[row]) + "')";
}

// What a file without our format attribute seems to be, for the error message.
std::string describe_foreign(const H5File& f) {
  if (has_sim_attributes(f)) return "it has sim's other attributes, so it is a damaged sim file";
  if (f.has("features")) return "it looks like a vector dataset (features, labels) that sim-train reads";
  if (f.has("embeddings")) return "it has an `embeddings` dataset but was not written by sim";
  return "an HDF5 file without sim's format attribute";
}

// The length of a 1-D dataset stored in the file itself.
std::size_t vector_length(const H5File& f, const std::string& name) {
  const std::vector<std::size_t> shape = f.shape(name);
  if (shape.size() != 1) {
    throw FormatError(f.path(), name, "expected a 1-D dataset, found " + std::to_string(shape.size()) + " dimensions");
  }
  (void)check_dataset_storage(f, name);
  return shape[0];
}

void require_rows(const H5File& f, const std::string& name, std::size_t n) {
  const std::size_t length = vector_length(f, name);
  if (length != n) {
    throw FormatError(f.path(), name,
                      "has " + std::to_string(length) + " entries but embeddings has " + std::to_string(n) + " rows");
  }
}

Embeddings read_from(const H5File& f) {
  const std::string& path = f.path();
  if (!f.has_attribute("format"))
    throw FormatError(path, "format", "missing: not sim embeddings; " + describe_foreign(f));
  const std::string format = f.read_string_attribute("format");
  if (format != kEmbeddingsFormat) {
    throw FormatError(
        path, "format",
        "is '" + to_valid_utf8(format) + "', not '" + kEmbeddingsFormat + "': another kind of file, not embeddings");
  }
  check_version(f, kEmbeddingsVersion);
  check_finished(f, "the file");
  const std::int64_t count = f.read_int_attribute("count");

  Embeddings e;
  e.meta.distance = read_distance_attribute(f);
  const std::int64_t dim = f.read_int_attribute("dim");
  if (dim < 1) throw FormatError(path, "dim", "is " + std::to_string(dim) + ", must be at least 1");
  e.meta.dim = std::size_t(dim);
  if (f.has_attribute("model_fingerprint")) e.meta.model_fingerprint = f.read_string_attribute("model_fingerprint");
  if (f.has_attribute("provenance")) e.meta.provenance = f.read_string_attribute("provenance");

  // Shapes and sizes, before allocating anything.
  const std::vector<std::size_t> shape = f.shape("embeddings");
  if (shape.size() != 2) {
    throw FormatError(path, "embeddings",
                      "expected 2-D [N x D], found " + std::to_string(shape.size()) + " dimensions");
  }
  const std::size_t n = shape[0];
  if (shape[1] != e.meta.dim) {
    throw FormatError(path, "dim",
                      "is " + std::to_string(dim) + " but embeddings has " + std::to_string(shape[1]) + " columns");
  }
  const bool filtered = check_dataset_storage(f, "embeddings");
  hsize_t file_bytes = 0;
  if (H5Fget_filesize(f.id(), &file_bytes) < 0) throw FormatError(path, "", "cannot tell the file's size");
  const std::uint64_t max_values = std::uint64_t(file_bytes) / sizeof(float) * (filtered ? kMaxFilterRatio : 1);
  if (n > max_values / e.meta.dim) {
    throw FormatError(path, "embeddings",
                      "claims " + std::to_string(n) + " x " + std::to_string(dim) + " values, more than a " +
                          std::to_string(file_bytes) + "-byte file can hold (corrupt or incomplete file)");
  }
  if (count < 0 || std::uint64_t(count) != n) {
    throw FormatError(path, "count",
                      "is " + std::to_string(count) + " but embeddings has " + std::to_string(n) +
                          " rows: the file is truncated or incomplete");
  }
  require_rows(f, "labels", n);
  require_rows(f, "ids", n);
  e.labels = f.read_int64s("labels", n);
  e.ids = f.read_strings("ids", n);
  if (f.has("classes")) {
    // Each stored string takes at least one byte of the file (16 for variable-length ones).
    if (vector_length(f, "classes") > file_bytes) {
      throw FormatError(path, "classes", "claims more names than the file can hold (corrupt file)");
    }
    e.meta.classes = f.read_strings("classes", file_bytes);
    std::set<std::string> seen;
    for (const std::string& name : e.meta.classes) {
      if (!seen.insert(name).second) {
        throw FormatError(path, "classes", "class name '" + to_valid_utf8(name) + "' appears twice");
      }
    }
  }
  const std::int64_t classes = std::int64_t(e.meta.classes.size());
  for (std::size_t r = 0; r < n; ++r) {
    const std::int64_t label = e.labels[r];
    if (label >= 0 && classes == 0) {
      throw FormatError(path, "classes",
                        "missing, but " + row_name(e, r) + " has label " + std::to_string(label) +
                            " (labels are positions in classes)");
    }
    if (label < -1 || label >= classes) {
      throw FormatError(path, "labels",
                        row_name(e, r) + " has label " + std::to_string(label) + ", outside -1 (unlabelled) .. " +
                            std::to_string(classes - 1) + " (" + std::to_string(classes) + " classes)");
    }
  }

  e.data = f.read_floats("embeddings", 2, n * e.meta.dim);
  for (std::size_t r = 0; r < n; ++r) {
    const float* row = e.row(r);
    const std::string problem = vector_problem(row, e.meta.dim);
    if (!problem.empty()) throw FormatError(path, "embeddings", row_name(e, r) + " " + problem);
  }
  return e;
}

}  // namespace

Embeddings read_embeddings(const std::string& path) {
  if (path != "-") return read_from(H5File(path));
  const StdinBytes image;  // ~1x the file, freed on return; the decoded Embeddings are the other ~1x
  return read_embeddings_image("-", image.data(), image.size());
}

Embeddings read_embeddings_image(const std::string& name, const void* data, std::size_t size) {
  return read_from(H5File(name, data, size));
}

bool looks_like_embeddings(const std::string& path) { return has_artifact_format(path, kEmbeddingsFormat); }

}  // namespace sim
