// Embeddings written by other tools: what numpy, h5py, faiss, CLIP scripts and users' own PyTorch
// code save. Two kinds are read as embeddings without sim's header:
//   .npy   a float matrix [N x D] (float16/32/64, C or Fortran order); labels and ids come from
//          files of their own (options below), or there are none;
//   HDF5   `embeddings` (or `features`) [N x D] numbers, optional `labels` (integers, -1 =
//          unlabelled), `ids` and `classes` (strings), and none of sim's root attributes.
// What such a file cannot say is assumed and logged once: the distance (the caller's: --distance,
// or the index's), ids = the path and the row number ("emb.npy#0", "emb.npy#1", ...), and class names = the label
// values ("0" .. the largest label) unless `classes` or a text labels file names them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/distance.hpp"
#include "formats/embeddings.hpp"

namespace sim {

// The files beside a .npy of embeddings that carry what a bare matrix cannot, named after it
// ("emb.npy" -> "emb.labels.npy"; a path without ".npy" just gains the suffixes):
//   labels   STEM.labels.npy   int64 [N], -1 = unlabelled
//   classes  STEM.classes.txt  class names, line c names label c
//   ids      STEM.ids.txt      ids, one per line
// sim-embed --format npy writes them; the readers use the ones that exist when no --labels or
// --ids is given (a classes file only with its labels file).
struct NpySideFiles {
  std::string labels, classes, ids;
};
NpySideFiles npy_side_files(const std::string& path);

// Writes embeddings as numpy.save does (float32 [N x D], C order) plus the side files, for
// sim-embed --format npy. Like EmbeddingsWriter, nothing appears until close() succeeds: each
// file goes through a temporary and is renamed into place, the side files first and the matrix
// last. A path only ("-" is refused: the side files need a name, and the header the final N).
class NpyEmbeddingsWriter {
 public:
  // Throws UsageError for "-", IoError naming the path when it cannot be created.
  NpyEmbeddingsWriter(const std::string& path, std::size_t dim, std::vector<std::string> classes);
  ~NpyEmbeddingsWriter();
  // Throws FormatError naming the file and the row's id for NaN or infinity, and for an id or
  // class name that holds a line break (which a one-per-line file cannot keep).
  void append(const float* rows, std::size_t n, const std::int64_t* labels, const std::vector<std::string>& ids);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct ForeignEmbeddingsOptions {
  Distance distance = Distance::Cosine;
  std::string distance_origin = "the default";  // for the log line: "--distance", "the index's"
  // Labels for the rows: a .npy of integers (-1 = unlabelled), or text with one label per line
  // (integers, or class names; an empty line is unlabelled). Empty: the file's own, or none.
  std::string labels_path;
  std::string ids_path;  // text, one id per line; empty: the file's own, or PATH#ROW
  // Names for numbered labels, line c for label c (at least as many as the largest label + 1);
  // empty: the file's own `classes`, STEM.classes.txt beside a .npy, or the numbers.
  std::string class_names_path;
};

// True if `path` is something read_foreign_embeddings reads: a .npy file, or an HDF5 file with an
// `embeddings` or `features` dataset and no `format` attribute. Peeks only; never throws.
bool looks_like_foreign_embeddings(const std::string& path);

// Reads and checks it like read_embeddings (shapes bounded by the file before allocating, NaN or
// infinity named by row, labels within -1 .. classes - 1). Throws FormatError naming the file (the
// labels or ids file for theirs) and what is wrong: 3-D data, strings or objects, a truncated
// file or a header that lies about its shape, labels or ids of another length than the rows.
Embeddings read_foreign_embeddings(const std::string& path, const ForeignEmbeddingsOptions& options);

// Class names for integer labels that come without names: "0" .. the largest label. Throws
// FormatError naming `file` and `field` for a label below -1 or one so large that naming every
// class up to it would not fit in memory (2^20 and above).
// The position of the first class whose name is not its number ("0", "1", ...), or
// classes.size() when every one is: the classes numbered_classes names, which --class-names may
// rename.
std::size_t first_named_class(const std::vector<std::string>& classes);

std::vector<std::string> numbered_classes(const std::vector<std::int64_t>& labels, const std::string& file,
                                          const std::string& field);

}  // namespace sim
