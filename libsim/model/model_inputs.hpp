// What sim-embed and sim-query -m read: the items to run through a model, in the model's input
// shape, whatever form they come in.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/dataset.hpp"
#include "model/arch.hpp"

namespace sim {

struct InputOptions {
  DatasetOptions dataset;            // --skip-bad, --label-column, --id-column, --cache-mib
  std::string split;                 // --split: one split of a dataset; default: every split, in name order
  std::vector<std::string> classes;  // --classes: only these classes' items (datasets only)
  std::size_t per_class = 0;         // --per-class: only the first N items of each class (0 = all)

  void add_to(CLI::App& app);
};

// inputs is one of:
//   a dataset (a folder, or an HDF5/CSV vector file)  labels and classes kept
//   image files                                       unlabelled, id = path
//   "-"                                               image paths, one per line on stdin
// Images are decoded to the model's channels and size (the resize policy of sim-train DATASETS).
// Throws UsageError when the inputs do not fit the model (images for a vector model, a missing
// --split), FormatError when a vector dataset has another width than the model reads, and the
// dataset readers' errors.
std::shared_ptr<const Dataset> open_model_inputs(const std::vector<std::string>& inputs, const ArchSpec& spec,
                                                 InputOptions options, unsigned threads);

}  // namespace sim
