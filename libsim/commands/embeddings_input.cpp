#include "commands/embeddings_input.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "formats/embeddings_foreign.hpp"

namespace sim {
namespace {

// True if the file's first 4 KB hold no control bytes but tab, line feed, form feed and carriage
// return: text, as a CSV/TSV file is, and binary files of any kind are not.
bool looks_like_text(const std::string& path) {
  const std::string head = read_prefix(path, 4096);
  return std::none_of(head.begin(), head.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\f' && byte != '\r';
  });
}

void refuse_side_files(const std::string& path, const EmbeddingsInputOptions& options, const std::string& what,
                       bool names_too) {
  const std::string flag = !options.labels_path.empty()                             ? "--labels"
                           : !options.ids_path.empty()                              ? "--ids"
                           : names_too && !options.columns.class_names_path.empty() ? "--class-names"
                                                                                    : "";
  if (flag.empty()) return;
  throw UsageError("'" + path + "' is " + what + " with labels and ids of its own; " + flag +
                       " is for a .npy file or HDF5 written without sim",
                   flag);
}

Embeddings read_vector_dataset(const std::string& path, const EmbeddingsInputOptions& options) {
  DatasetSplits splits;
  try {
    splits = open_dataset(path, options.columns);
  } catch (const Error&) {
    // Neither. A binary file: the embeddings reader says what it seems to be. A text file was
    // meant as a CSV/TSV dataset, and that reader's message (which line, what is wrong) helps more
    // than "not an HDF5 file"; so does a folder's.
    if (is_regular_file(path) && !looks_like_text(path)) return read_embeddings(path);
    throw;
  }
  const std::shared_ptr<const Dataset>& d = splits.begin()->second;
  if (d->shape().image) throw UsageError("'" + path + "' holds images: embed them with sim-embed first");
  refuse_side_files(path, options, "a vector dataset", false);  // --class-names applies to it
  Embeddings e;
  e.meta.distance = options.distance.value_or(options.fallback);
  e.meta.dim = std::size_t(d->shape().dim);
  e.meta.classes = d->classes();
  e.data.resize(d->size() * e.meta.dim);
  for (std::size_t i = 0; i < d->size(); ++i) {
    d->load(i, e.data.data() + i * e.meta.dim);
    e.labels.push_back(d->label(i));
    e.ids.push_back(d->id(i));
  }
  spdlog::info("{}: the {} vectors of a vector dataset, taken as they are ({} distance)", path, d->size(),
               to_string(e.meta.distance));
  return e;
}

}  // namespace

Embeddings read_embeddings_input(const std::string& path, const EmbeddingsInputOptions& options) {
  if (path == "-" || looks_like_embeddings(path)) {
    refuse_side_files(path == "-" ? "standard input" : path, options, "sim embeddings", true);
    Embeddings e = read_embeddings(path);
    if (options.distance && *options.distance != e.meta.distance) {
      throw UsageError("'" + path + "' holds " + std::string(to_string(e.meta.distance)) +
                           " embeddings; --distance applies to files that carry no distance (.npy, other tools' HDF5, "
                           "vector datasets)",
                       "--distance");
    }
    return e;
  }
  if (looks_like_foreign_embeddings(path)) {
    ForeignEmbeddingsOptions foreign;
    foreign.distance = options.distance.value_or(options.fallback);
    foreign.distance_origin = options.distance ? "--distance" : options.fallback_origin;
    foreign.labels_path = options.labels_path;
    foreign.ids_path = options.ids_path;
    foreign.class_names_path = options.columns.class_names_path;
    return read_foreign_embeddings(path, foreign);
  }
  return read_vector_dataset(path, options);
}

Embeddings read_embeddings_for(const IndexArtifact& index, const std::string& path, EmbeddingsInputOptions options) {
  options.fallback = index.distance;
  options.fallback_origin = "the index's";
  return read_embeddings_input(path, options);
}

}  // namespace sim
