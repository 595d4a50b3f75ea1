// Choosing the training items and the held-out validation items of a dataset.
//
// Validation comes from, in order: whole held-out classes (--holdout-classes, to measure how the
// model does on classes it never saw, as TF Similarity's known/unknown classes split); a fraction
// of the training items (--val-split F, stratified per class); the dataset's own val/ or test/
// split; else 10% of the training items. Every random choice follows --seed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace sim {

struct SplitOptions {
  double val_split = -1;          // < 0: not given (use the dataset's own split, else 0.1); 0: no validation
  std::string holdout;            // "" | "N" (N classes chosen by seed) | "name1,name2,..."
  std::size_t min_per_class = 2;  // training needs pairs: smaller classes are errors (or --skip-bad)
  std::size_t per_class = 0;      // --per-class: train on the first N items of each class only (0 = all)
  bool no_labels = false;         // --no-labels: the training items' labels dropped (self-supervised)
};

struct TrainVal {
  std::shared_ptr<const Dataset> train;
  std::shared_ptr<const Dataset> val;       // null when there is no validation
  std::string val_source;                   // for logs: "val split", "test split", "10% of train", ...
  std::vector<std::string> unseen_classes;  // held-out classes (empty unless --holdout-classes)
};

TrainVal make_train_val(const DatasetSplits& splits, const SplitOptions& options, std::uint64_t seed, bool skip_bad);

// The items of `d` whose class has at least min_per_class items. Smaller classes (other than empty
// ones) are a FormatError naming the class, unless skip_bad, which drops them with a warning.
std::shared_ptr<const Dataset> drop_small_classes(std::shared_ptr<const Dataset> d, std::size_t min_per_class,
                                                  bool skip_bad);

// The items of `d` whose class is one of `classes` (all classes when empty), and of those only the
// first `per_class` of each class in item order (all when 0): sim-embed --classes / --per-class, e.g.
// "a handful of examples" of new classes to add to an index. Class names and labels stay those of
// `d`. Throws UsageError naming --classes for a name `d` does not have (listing those it has).
std::shared_ptr<const Dataset> select_items(std::shared_ptr<const Dataset> d, const std::vector<std::string>& classes,
                                            std::size_t per_class);

// Part `shard` of `shards` (0 <= shard < shards) of `d`: contiguous items, whole `unit`s of them
// (but the last part's end), as evenly as units allow, so parts 0 .. shards-1 one after another are
// `d` in its order. sim-embed --shard passes its batch size as the unit: every part's batches are
// then those of one run over all of `d`, and so are the embeddings, to the bit (a matrix product's
// rounding can depend on an item's place in its batch). Throws std::invalid_argument for
// shard >= shards or unit 0.
std::shared_ptr<const Dataset> shard_items(std::shared_ptr<const Dataset> d, std::size_t shard, std::size_t shards,
                                           std::size_t unit = 1);

// Per-class item counts (index = label; unlabelled items are not counted).
std::vector<std::size_t> class_counts(const Dataset& d);

}  // namespace sim
