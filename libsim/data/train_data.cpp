#include "data/train_data.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace sim {

TrainData open_train_data(const std::string& path, const DatasetOptions& data, const SplitOptions& split,
                          std::uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  TrainData out;
  const DatasetSplits splits = open_dataset(path, data);
  for (const auto& [name, dataset] : splits) spdlog::info("{}: {}: {}", path, name, describe(*dataset));
  out.split = make_train_val(splits, split, seed, data.skip_bad);
  if (split.per_class > 0) out.split.train = select_items(out.split.train, {}, split.per_class);
  if (split.no_labels) out.split.train = without_labels(out.split.train);
  out.open_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("training on {}", describe(*out.split.train));
  if (out.split.val) {
    spdlog::info("validating on {} ({})", describe(*out.split.val), out.split.val_source);
  } else {
    spdlog::info("no validation (--val-split 0)");
  }
  if (!out.split.unseen_classes.empty()) {
    std::string names;
    for (const auto& c : out.split.unseen_classes) names += (names.empty() ? "" : ", ") + c;
    spdlog::info("held-out classes, never trained on: {}", names);
  }
  return out;
}

}  // namespace sim
