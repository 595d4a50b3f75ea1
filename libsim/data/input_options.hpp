// Which items a model reads (sim-embed, sim-query -m): a dataset's split, classes and first items
// per class. LibTorch-free so that sim-query can accept them and hand them on to sim-embed, which
// it runs for -m (commands/embed_command.hpp opens the items).
#pragma once

#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace sim {

struct InputOptions {
  DatasetOptions dataset;            // --skip-bad, --label-column, --id-column, --cache-mib
  std::string split;                 // --split: one split of a dataset; default: every split, in name order
  std::vector<std::string> classes;  // --classes: only these classes' items (datasets only)
  std::size_t per_class = 0;         // --per-class: only the first N items of each class (0 = all)
};

}  // namespace sim
