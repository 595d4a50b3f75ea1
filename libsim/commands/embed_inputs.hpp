// What sim-embed does before it needs LibTorch: open the items to run through a model, in the
// model's input shape, whatever form they come in (also for sim-query -m, which runs sim-embed),
// and say where their embeddings go. A bad input is then refused before LibTorch loads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "data/input_options.hpp"
#include "model/arch_spec.hpp"
#include "model/model_info.hpp"

namespace sim {

// inputs is one of:
//   a dataset (a folder, or an HDF5/CSV vector file)  labels and classes kept
//   image files                                       unlabelled, id = path
//   "-"                                               image paths, one per line on stdin
// Images are decoded to the model's channels and size (the resize policy of sim-train DATASETS).
// Throws UsageError when the inputs do not fit the model (images for a vector model, a missing
// --split), FormatError when a vector dataset has another width than the model reads, and the
// dataset readers' errors.
// A dataset whose classes are numbered 0..C-1 takes the names of the model's C classes when the
// model has names (it was trained with --class-names) and --class-names does not say otherwise.
std::shared_ptr<const Dataset> open_model_inputs(const std::vector<std::string>& inputs, const ModelInfo& model,
                                                 InputOptions options, unsigned threads);

// Where embed_to_file writes and how: `path` or "-" (stdout); format "h5" (the embeddings file,
// formats/embeddings.hpp), "tsv" or "jsonl" (formats/embeddings_text.hpp); provenance recorded in
// an h5 file ("" for none: the same items then give the same bytes).
struct EmbedOutput {
  std::string path;
  std::string format = "h5";
  std::string provenance;
};

}  // namespace sim
