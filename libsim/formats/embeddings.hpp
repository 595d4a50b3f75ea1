// The embeddings artifact: what sim-embed writes and sim-index, sim-query and sim-eval read.
//
// An HDF5 file (readable by h5py, h5dump, any HDF5 tool), format version 1:
//   datasets   embeddings  float32 [N x D], row-major, chunked and extendible along N, uncompressed
//              labels      int64 [N]; -1 = unlabelled, otherwise a position in `classes`
//              ids         variable-length UTF-8 strings [N] (an item's path or key)
//              classes     variable-length UTF-8 strings [C] (class names; label = position)
//   root attributes
//              format            "sim-embeddings"
//              version           1
//              distance          canonical name (distance.hpp to_string): "cosine", "euclidean", ...
//              dim               D
//              model_fingerprint string, may be empty
//              provenance        JSON object (provenance.hpp); absent when the writer was given none
//              count             N, int64, written last by close(): the trailer that proves the
//                                writer finished. A file without it, or with another N, is refused.
// Without provenance the bytes are a pure function of the content (no HDF5 timestamps, fixed
// library version bounds, whole-chunk writes): the same embeddings always give the same file, no
// matter how they were split into append() batches.
//
// "-" is stdout for the writer and stdin for the reader, so `sim-embed ... -o - | sim-index -i -`
// works. The bytes in the pipe are exactly the file's. Memory:
//   writer to "-": HDF5 writes an unlinked temporary file in $TMPDIR (disk: 1x the file), streamed
//                  to stdout in 1 MiB blocks by close(); memory stays at one chunk (~1 MiB).
//   reader of "-": stdin is read whole into memory and opened in place as an HDF5 file image, then
//                  decoded into Embeddings: peak ~2x the file size (the image is freed on return).
//   writer/reader of a path: ~1 MiB / ~1x the embedding bytes (the returned Embeddings).
//
// HDF5 here is the serial build: use a writer and the reader from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/distance.hpp"

namespace sim {

inline constexpr const char* kEmbeddingsFormat = "sim-embeddings";
inline constexpr int kEmbeddingsVersion = 1;

struct EmbeddingsMeta {
  Distance distance = Distance::Cosine;
  std::size_t dim = 0;
  std::vector<std::string> classes;  // label = position; distinct, UTF-8
  std::string model_fingerprint;     // may be empty
  std::string provenance;            // a JSON object (make_provenance), or empty for none
};

// Writes an embeddings file batch by batch. Nothing appears at `path` until close() succeeds: a
// writer destroyed without close() (an exception, a crash) leaves a previous file at `path` intact
// and writes nothing to stdout.
class EmbeddingsWriter {
 public:
  // `path` or "-" (stdout). Throws IoError naming `path` if the temporary file cannot be created
  // (missing directory, no permission), FormatError naming the field if `meta` is invalid: dim 0,
  // duplicate class names, or text that is not UTF-8 or holds a NUL byte.
  EmbeddingsWriter(const std::string& path, const EmbeddingsMeta& meta);
  ~EmbeddingsWriter();
  EmbeddingsWriter(EmbeddingsWriter&&) noexcept;
  EmbeddingsWriter& operator=(EmbeddingsWriter&&) noexcept;

  // Appends n rows: `rows` is n x dim floats, row-major; `labels` n values, or nullptr for all -1;
  // `ids` n strings. Throws FormatError naming the file, the field and the row's id for a NaN or
  // infinite value, a label outside [-1, classes.size()), or an id that is not UTF-8 or holds a NUL
  // byte (nothing of that batch is written); std::invalid_argument if ids.size() != n; IoError if
  // the disk refuses. Throws std::logic_error after close().
  void append(const float* rows, std::size_t n, const std::int64_t* labels, const std::vector<std::string>& ids);

  std::size_t count() const noexcept;  // rows appended so far

  // Writes the remaining rows and the `count` trailer, then renames the file into place (fsynced)
  // or streams it to stdout. Throws IoError naming the path, or "-" when stdout refuses (closed
  // pipe, full disk). Calling it again does nothing.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An embeddings file in memory.
struct Embeddings {
  EmbeddingsMeta meta;
  std::vector<float> data;  // count() x meta.dim, row-major
  std::vector<std::int64_t> labels;
  std::vector<std::string> ids;

  std::size_t count() const noexcept { return ids.size(); }
  std::size_t dim() const noexcept { return meta.dim; }
  const float* row(std::size_t i) const noexcept { return data.data() + i * meta.dim; }
};

// Reads and validates a whole embeddings file; `path` or "-" (stdin, read to its end). Throws
// IoError if the file cannot be opened or read, and FormatError naming the file ("-" for stdin) and
// the field for anything else: not HDF5 (or empty input); `format` missing or another value
// (saying what the file seems to be); `version` newer than kEmbeddingsVersion; `count` missing
// (an unfinished or truncated file) or not N; an unknown `distance`; `dim` not the number of
// columns; `embeddings` not 2-D numbers, or larger than the file could hold (checked before
// allocating); `labels` / `ids` missing or not N long; duplicate `classes`; a label below -1, or
// >= the number of classes (including labels with no `classes` at all); NaN or infinity in a row
// (naming its id). A truncated or corrupt file is a FormatError, never a crash. Float64 or integer
// embeddings written by other tools are converted to float32.
Embeddings read_embeddings(const std::string& path);

// The same checks on an embeddings file held in memory (what sim-embed wrote to a pipe); errors
// name it `name`.
Embeddings read_embeddings_image(const std::string& name, const void* data, std::size_t size);

// True if `path` is an HDF5 file whose `format` attribute is "sim-embeddings", judged by content,
// not by name. Only peeks (does not validate the rest). Never throws. Always false for "-": stdin
// cannot be peeked without consuming it.
bool looks_like_embeddings(const std::string& path);

}  // namespace sim
