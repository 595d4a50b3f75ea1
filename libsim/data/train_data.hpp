// What sim-train (and its --dry-run) does with a dataset before any model exists: open it, log
// what was found, choose training and validation items.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.hpp"
#include "data/dataset_split.hpp"

namespace sim {

struct TrainData {
  TrainVal split;
  double open_seconds = 0;  // wall time to detect, scan and (if cached) decode the dataset
};

// Opens `path`, logs each split found ("train: 60000 items, 10 classes, shape 1x28x28 image (IDX)")
// and the train/validation choice, and returns them. Errors as open_dataset and make_train_val.
TrainData open_train_data(const std::string& path, const DatasetOptions& data, const SplitOptions& split,
                          std::uint64_t seed);

}  // namespace sim
