// EmbeddingsWriter: rows are buffered up to one chunk and written as whole chunks, so memory stays
// at about one chunk and the file's bytes depend only on its content, not on how append() batches
// fell. HDF5 always writes to a temporary file: beside the target (AtomicFile, renamed by close())
// or, for "-", unlinked in $TMPDIR and copied to stdout by close().
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/utf8.hpp"
#include "formats/embeddings.hpp"
#include "formats/h5.hpp"

namespace sim {
namespace {

constexpr std::size_t kChunkBytes = std::size_t(1) << 20;  // ~1 MiB of floats per chunk...
constexpr std::size_t kMaxChunkRows = 4096;                // ...but not absurdly many ids per chunk
constexpr std::size_t kMaxDim = std::size_t(1) << 24;
constexpr std::size_t kCopyBlock = std::size_t(1) << 20;

// For messages: the id made printable (an error's what() is a C string, so a NUL would cut it).
std::string row_name(std::size_t row, const std::string& id) {
  std::string shown;
  for (const char c : to_valid_utf8(id)) shown += c == '\0' ? std::string("\\0") : std::string(1, c);
  return "row " + std::to_string(row) + " (id '" + shown + "')";
}

// Text stored as HDF5 UTF-8 strings must be UTF-8 (h5py decodes it) and C strings (no NUL).
void check_text(const std::string& file, const std::string& field, const std::string& text, const std::string& what) {
  if (text.find('\0') != std::string::npos) throw FormatError(file, field, what + " holds a NUL byte");
  if (!is_valid_utf8(text)) throw FormatError(file, field, what + " is not valid UTF-8");
}

void validate(const std::string& path, const EmbeddingsMeta& meta) {
  if (meta.dim == 0 || meta.dim > kMaxDim) {
    throw FormatError(path, "dim",
                      "must be from 1 to " + std::to_string(kMaxDim) + ", got " + std::to_string(meta.dim));
  }
  std::set<std::string> seen;
  for (std::size_t c = 0; c < meta.classes.size(); ++c) {
    const std::string& name = meta.classes[c];
    check_text(path, "classes", name, "class " + std::to_string(c) + " ('" + to_valid_utf8(name) + "')");
    if (!seen.insert(name).second) throw FormatError(path, "classes", "class name '" + name + "' appears twice");
  }
  check_text(path, "model_fingerprint", meta.model_fingerprint, "the model fingerprint");
  check_text(path, "provenance", meta.provenance, "the provenance");
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("-", "writing to standard output failed", errno);
    }
    data += n;
    size -= std::size_t(n);
  }
}

}  // namespace

struct EmbeddingsWriter::Impl {
  std::string path;
  EmbeddingsMeta meta;
  std::unique_ptr<AtomicFile> atomic;  // a path: the temporary beside it
  int stream_fd = -1;                  // "-": our descriptor of the unlinked temporary
  H5Handle file, embeddings, labels, ids;
  std::size_t chunk_rows = 0;
  std::size_t written = 0;  // rows in the file
  std::vector<float> pending;
  std::vector<std::int64_t> pending_labels;
  std::vector<std::string> pending_ids;
  bool closed = false;

  ~Impl() {
    embeddings.reset();
    labels.reset();
    ids.reset();
    file.reset();
    if (stream_fd >= 0) ::close(stream_fd);  // the unlinked temporary disappears
  }  // then ~AtomicFile removes its uncommitted temporary: nothing appears at `path`

  void open() {
    if (path == "-") {
      const char* base = std::getenv("TMPDIR");
      const std::string dir = base && *base ? base : "/tmp";
      std::string name = dir + "/sim-embeddings.XXXXXX";
      stream_fd = ::mkostemp(name.data(), O_CLOEXEC);
      if (stream_fd < 0) throw io_error("-", "cannot create a temporary file in '" + dir + "'", errno);
      try {
        file = create_h5_file(name, path);
      } catch (...) {
        ::unlink(name.c_str());
        throw;
      }
      ::unlink(name.c_str());  // HDF5 and stream_fd keep it alive; no name left behind on a crash
    } else {
      atomic = std::make_unique<AtomicFile>(path);
      file = create_h5_file(atomic->temp_path(), path);
    }
  }

  void write_header() {
    const hid_t root = file.get();
    write_string_attribute(root, "format", kEmbeddingsFormat, path);
    write_int_attribute(root, "version", kEmbeddingsVersion, path);
    write_string_attribute(root, "distance", std::string(to_string(meta.distance)), path);
    write_int_attribute(root, "dim", std::int64_t(meta.dim), path);
    write_string_attribute(root, "model_fingerprint", meta.model_fingerprint, path);
    if (!meta.provenance.empty()) write_string_attribute(root, "provenance", meta.provenance, path);

    write_strings(root, "classes", meta.classes, path);
  }

  // An empty dataset [0 (x dim)], extendible along its first axis, in chunks of chunk_rows rows.
  H5Handle create_rows_dataset(const char* name, hid_t file_type, int rank, hid_t fill_type, const void* fill) {
    const hsize_t dims[2] = {0, meta.dim};
    const hsize_t max_dims[2] = {H5S_UNLIMITED, meta.dim};
    const hsize_t chunk[2] = {chunk_rows, meta.dim};
    const H5Handle space{H5Screate_simple(rank, dims, max_dims), H5Sclose};
    const H5Handle dcpl = untimed_dataset_creation();
    H5Pset_chunk(dcpl.get(), rank, chunk);
    // An explicit fill value: the unused tail of the last chunk is then defined bytes, not whatever
    // was in memory, so two runs write identical files.
    if (fill != nullptr) H5Pset_fill_value(dcpl.get(), fill_type, fill);
    H5Handle set{H5Dcreate2(file.get(), name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose};
    if (!set.valid()) throw h5_write_error(path, name, "cannot create the dataset");
    return set;
  }

  void create_datasets(std::size_t rows_per_chunk) {
    chunk_rows = rows_per_chunk;
    const float zero = 0.0f;
    const std::int64_t unlabelled = -1;
    embeddings = create_rows_dataset("embeddings", H5T_IEEE_F32LE, 2, H5T_NATIVE_FLOAT, &zero);
    labels = create_rows_dataset("labels", H5T_STD_I64LE, 1, H5T_NATIVE_INT64, &unlabelled);
    const H5Handle type = utf8_string_type();
    ids = create_rows_dataset("ids", type.get(), 1, type.get(), nullptr);  // fill: NULL strings
  }

  // Extends `set` to `total` rows and writes `rows` rows at `written` from `data` (memory type `type`).
  void write_rows(const H5Handle& set, const char* name, int rank, hid_t type, std::size_t rows, const void* data) {
    const hsize_t total[2] = {written + rows, meta.dim};
    const hsize_t start[2] = {written, 0};
    const hsize_t size[2] = {rows, meta.dim};
    errno = 0;  // what the OS says if this fails (h5_write_error)
    bool ok = H5Dset_extent(set.get(), total) >= 0;
    if (ok) {
      const H5Handle file_space{H5Dget_space(set.get()), H5Sclose};
      const H5Handle mem_space{H5Screate_simple(rank, size, nullptr), H5Sclose};
      ok = H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, size, nullptr) >= 0 &&
           H5Dwrite(set.get(), type, mem_space.get(), file_space.get(), H5P_DEFAULT, data) >= 0;
    }
    if (!ok) throw h5_write_error(path, name, "cannot write");
  }

  void write_block(const float* rows, const std::int64_t* row_labels, const std::string* row_ids, std::size_t n) {
    if (!embeddings.valid()) create_datasets(chunk_rows);
    std::vector<const char*> raw(n);
    for (std::size_t i = 0; i < n; ++i) raw[i] = row_ids[i].c_str();
    const H5Handle type = utf8_string_type();
    write_rows(embeddings, "embeddings", 2, H5T_NATIVE_FLOAT, n, rows);
    write_rows(labels, "labels", 1, H5T_NATIVE_INT64, n, row_labels);
    write_rows(ids, "ids", 1, type.get(), n, raw.data());
    written += n;
  }

  void write_pending() {
    write_block(pending.data(), pending_labels.data(), pending_ids.data(), pending_ids.size());
    pending.clear();
    pending_labels.clear();
    pending_ids.clear();
  }

  void stream_to_stdout() {
    flush_stdout();  // whatever the program already printed goes first
    if (::lseek(stream_fd, 0, SEEK_SET) < 0) throw io_error("-", "cannot read back the temporary file", errno);
    std::vector<char> block(kCopyBlock);
    for (;;) {
      const ssize_t n = ::read(stream_fd, block.data(), block.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw io_error("-", "cannot read back the temporary file", errno);
      }
      if (n == 0) break;
      write_all(STDOUT_FILENO, block.data(), std::size_t(n));
    }
  }
};

EmbeddingsWriter::EmbeddingsWriter(const std::string& path, const EmbeddingsMeta& meta)
    : impl_(std::make_unique<Impl>()) {
  silence_hdf5_errors();
  validate(path, meta);
  impl_->path = path;
  impl_->meta = meta;
  impl_->chunk_rows = std::clamp<std::size_t>(kChunkBytes / (meta.dim * sizeof(float)), 1, kMaxChunkRows);
  impl_->open();
  impl_->write_header();
}

EmbeddingsWriter::~EmbeddingsWriter() = default;
EmbeddingsWriter::EmbeddingsWriter(EmbeddingsWriter&&) noexcept = default;
EmbeddingsWriter& EmbeddingsWriter::operator=(EmbeddingsWriter&&) noexcept = default;

std::size_t EmbeddingsWriter::count() const noexcept { return impl_->written + impl_->pending_ids.size(); }

void EmbeddingsWriter::append(const float* rows, std::size_t n, const std::int64_t* labels,
                              const std::vector<std::string>& ids) {
  Impl& w = *impl_;
  if (w.closed) throw std::logic_error("EmbeddingsWriter::append after close()");
  if (ids.size() != n) {
    throw std::invalid_argument("EmbeddingsWriter::append: " + std::to_string(ids.size()) + " ids for " +
                                std::to_string(n) + " rows");
  }
  const std::size_t dim = w.meta.dim;
  const std::int64_t classes = std::int64_t(w.meta.classes.size());
  const std::size_t first = count();
  // Check the whole batch first: a refused batch writes nothing.
  for (std::size_t i = 0; i < n; ++i) {
    check_text(w.path, "ids", ids[i], row_name(first + i, ids[i]) + ": the id");
    const float* row = rows + i * dim;
    if (!std::all_of(row, row + dim, [](float v) { return std::isfinite(v); })) {
      throw FormatError(w.path, "embeddings", row_name(first + i, ids[i]) + " holds NaN or infinity");
    }
    if (labels != nullptr && (labels[i] < -1 || labels[i] >= classes)) {
      throw FormatError(w.path, "labels",
                        row_name(first + i, ids[i]) + " has label " + std::to_string(labels[i]) +
                            ", outside -1 (unlabelled) .. " + std::to_string(classes - 1) + " (" +
                            std::to_string(classes) + " classes)");
    }
  }
  std::vector<std::int64_t> unlabelled;
  if (labels == nullptr) {
    unlabelled.assign(n, -1);
    labels = unlabelled.data();
  }
  for (std::size_t i = 0; i < n;) {
    if (w.pending_ids.empty() && n - i >= w.chunk_rows) {  // whole chunks go straight from the caller's rows
      w.write_block(rows + i * dim, labels + i, ids.data() + i, w.chunk_rows);
      i += w.chunk_rows;
      continue;
    }
    const std::size_t take = std::min(n - i, w.chunk_rows - w.pending_ids.size());
    w.pending.insert(w.pending.end(), rows + i * dim, rows + (i + take) * dim);
    w.pending_labels.insert(w.pending_labels.end(), labels + i, labels + i + take);
    w.pending_ids.insert(w.pending_ids.end(), ids.begin() + std::ptrdiff_t(i), ids.begin() + std::ptrdiff_t(i + take));
    i += take;
    if (w.pending_ids.size() == w.chunk_rows) w.write_pending();
  }
}

void EmbeddingsWriter::close() {
  Impl& w = *impl_;
  if (w.closed) return;
  w.closed = true;  // a failed close() is final: the destructor discards the output
  // A file smaller than one chunk gets exactly one chunk of its own size, not a mostly empty one.
  if (!w.embeddings.valid()) w.create_datasets(std::max<std::size_t>(1, w.pending_ids.size()));
  if (!w.pending_ids.empty()) w.write_pending();
  errno = 0;
  if (w.embeddings.reset() < 0 || w.labels.reset() < 0 || w.ids.reset() < 0) {
    throw h5_write_error(w.path, "", "cannot finish writing the datasets");
  }
  write_int_attribute(w.file.get(), "count", std::int64_t(w.written), w.path);  // the trailer, last
  errno = 0;
  if (w.file.reset() < 0) throw h5_write_error(w.path, "", "cannot finish writing the HDF5 file");
  if (w.atomic) {
    w.atomic->commit();
  } else {
    w.stream_to_stdout();
  }
}

}  // namespace sim
