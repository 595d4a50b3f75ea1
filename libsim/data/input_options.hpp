// The command-line options that select which items a model reads (sim-embed, sim-query -m).
// LibTorch-free so that sim-query can accept them and hand them on to sim-embed, which it runs
// for -m (commands/embed_command.hpp opens the items).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace sim {

struct InputOptions {
  DatasetOptions dataset;            // --skip-bad, --label-column, --id-column, --cache-mib
  std::string split;                 // --split: one split of a dataset; default: every split, in name order
  std::vector<std::string> classes;  // --classes: only these classes' items (datasets only)
  std::size_t per_class = 0;         // --per-class: only the first N items of each class (0 = all)

  void add_to(CLI::App& app);
  // The same options as arguments ("--split=test", ...) that add_to parses back into equal
  // values: what sim-query -m passes to sim-embed. A field added above belongs in both.
  std::vector<std::string> as_arguments() const;
};

}  // namespace sim
