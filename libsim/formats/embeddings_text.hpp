// Embeddings as text, for scripts that would rather not read HDF5 (sim-embed --format tsv|jsonl).
//
//   tsv    a header row "id  label  class  e0  e1 ... e{D-1}", then one row per item
//   jsonl  one object per line: {"id": ..., "label": ..., "class": ..., "embedding": [...]}
// Floats are written with 9 significant digits, enough to read back the same float32. An
// unlabelled item has label -1 and an empty class. TSV text fields are escaped as sim-query's are
// (tsv_escape: \\, \t, \n, \r). Same atomicity as EmbeddingsWriter: a path
// only appears when close() succeeds; "-" streams to stdout as rows come.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"

namespace sim {

enum class TextFormat { Tsv, Jsonl };

class EmbeddingsTextWriter {
 public:
  EmbeddingsTextWriter(const std::string& path, TextFormat format, std::size_t dim, std::vector<std::string> classes);
  void append(const float* rows, std::size_t n, const std::int64_t* labels, const std::vector<std::string>& ids);
  void close();

 private:
  void emit(const std::string& text);

  std::string path_;
  TextFormat format_;
  std::size_t dim_;
  std::vector<std::string> classes_;
  std::unique_ptr<AtomicFile> file_;  // null when writing to stdout
  bool closed_ = false;
};

}  // namespace sim
