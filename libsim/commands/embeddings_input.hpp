// What sim-index, sim-query, sim-eval and sim-info read as embeddings, whoever wrote them:
//   sim-embed's HDF5 ("-" for stdin), with its own distance, labels, ids and classes;
//   another tool's: a .npy matrix, or HDF5 with `embeddings`/`features` and no sim attributes
//   (formats/embeddings_foreign.hpp), with labels and ids from --labels / --ids files;
//   a vector dataset as sim-train reads it (CSV/TSV), its rows taken as they are.
// Files that carry no distance are read under the one the user asked for, else `fallback` (the
// index's, for queries), and a log line says which was assumed.
#pragma once

#include <optional>
#include <string>

#include "base/distance.hpp"
#include "data/dataset.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim {

struct EmbeddingsInputOptions {
  std::optional<Distance> distance;  // --distance, if the user gave it
  Distance fallback = Distance::Cosine;
  std::string fallback_origin = "the default; --distance chooses";  // for the log line
  std::string labels_path, ids_path;  // --labels, --ids: for files that carry none of their own
  DatasetOptions columns;             // a CSV/TSV file's label and id columns
};

// Throws the readers' errors (FormatError/IoError naming the file); UsageError for an image
// dataset (embed it with sim-embed first), a --distance that contradicts sim embeddings' own, or
// --labels/--ids given for a file that has its own (sim embeddings, CSV/TSV).
Embeddings read_embeddings_input(const std::string& path, const EmbeddingsInputOptions& options);

// What goes into or is searched against `index` (sim-index add, sim-query, sim-eval): the same,
// with files that carry no distance taken to be of the index's.
Embeddings read_embeddings_for(const IndexArtifact& index, const std::string& path, EmbeddingsInputOptions options);

}  // namespace sim
