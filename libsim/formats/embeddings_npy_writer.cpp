// NpyEmbeddingsWriter: the matrix is streamed to its temporary file behind a header of fixed size
// (numpy pads every header to 64 bytes; ours always fits 128), whose shape is written again with
// the final row count at close(). Labels and ids are kept in memory until then (8 bytes and an
// id per row).
#include <unistd.h>

#include <cerrno>

#include "base/atomic_file.hpp"
#include "base/distance.hpp"
#include "base/error.hpp"
#include "base/utf8.hpp"
#include "formats/embeddings_foreign.hpp"
#include "formats/npy.hpp"

namespace sim {
namespace {

constexpr std::size_t kNpyWriterHeaderBytes = 128;

std::string header(std::size_t rows, std::size_t dim) {
  std::string h = npy_header_bytes("<f4", {rows, dim});
  if (h.size() != kNpyWriterHeaderBytes) throw std::logic_error("npy header is not 128 bytes");
  return h;
}

void refuse_line_breaks(const std::string& text, const std::string& file, const std::string& what) {
  if (text.find_first_of("\r\n") != std::string::npos) {
    throw FormatError(file, what,
                      "'" + to_valid_utf8(text) +
                          "' holds a line break, which a one-per-line text file cannot keep "
                          "(use --format h5)");
  }
}

}  // namespace

NpySideFiles npy_side_files(const std::string& path) {
  const bool suffixed = path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  const std::string stem = suffixed ? path.substr(0, path.size() - 4) : path;
  return {stem + ".labels.npy", stem + ".classes.txt", stem + ".ids.txt"};
}

struct NpyEmbeddingsWriter::Impl {
  std::string path;
  std::size_t dim;
  std::vector<std::string> classes;
  std::unique_ptr<AtomicFile> matrix;
  std::vector<std::int64_t> labels;
  std::vector<std::string> ids;
  bool closed = false;
};

NpyEmbeddingsWriter::NpyEmbeddingsWriter(const std::string& path, std::size_t dim, std::vector<std::string> classes)
    : impl_(std::make_unique<Impl>()) {
  if (path == "-") {
    throw UsageError("--format npy writes a file and its labels, classes and ids beside it: give -o a path", "-o");
  }
  for (const std::string& name : classes) refuse_line_breaks(name, path, "classes");
  impl_->path = path;
  impl_->dim = dim;
  impl_->classes = std::move(classes);
  impl_->matrix = std::make_unique<AtomicFile>(path);
  const std::string h = header(0, dim);
  impl_->matrix->write(h.data(), h.size());
}

NpyEmbeddingsWriter::~NpyEmbeddingsWriter() = default;

void NpyEmbeddingsWriter::append(const float* rows, std::size_t n, const std::int64_t* labels,
                                 const std::vector<std::string>& ids) {
  if (impl_->closed) throw std::logic_error("NpyEmbeddingsWriter::append after close");
  for (std::size_t i = 0; i < n; ++i) {
    const std::string problem = vector_problem(rows + i * impl_->dim, impl_->dim);
    if (!problem.empty()) {
      throw FormatError(impl_->path, "embeddings", "item '" + to_valid_utf8(ids[i]) + "' " + problem);
    }
    refuse_line_breaks(ids[i], impl_->path, "ids");
  }
  impl_->matrix->write(rows, n * impl_->dim * sizeof(float));
  for (std::size_t i = 0; i < n; ++i) impl_->labels.push_back(labels ? labels[i] : -1);
  impl_->ids.insert(impl_->ids.end(), ids.begin(), ids.end());
}

void NpyEmbeddingsWriter::close() {
  if (impl_->closed) return;
  impl_->closed = true;
  const NpySideFiles side = npy_side_files(impl_->path);
  if (!impl_->classes.empty()) {
    AtomicFile labels(side.labels);
    const std::string h = npy_header_bytes("<i8", {impl_->labels.size()});
    labels.write(h.data(), h.size());
    labels.write(impl_->labels.data(), impl_->labels.size() * sizeof(std::int64_t));
    labels.commit();
    std::string names;
    for (const std::string& name : impl_->classes) names += name + "\n";
    write_file_atomically(side.classes, names);
  }
  std::string ids;
  for (const std::string& id : impl_->ids) ids += id + "\n";
  write_file_atomically(side.ids, ids);
  const std::string h = header(impl_->ids.size(), impl_->dim);
  if (::pwrite(impl_->matrix->fd(), h.data(), h.size(), 0) != ssize_t(h.size())) {
    throw io_error(impl_->path, "cannot write the header", errno);
  }
  impl_->matrix->commit();
}

}  // namespace sim
