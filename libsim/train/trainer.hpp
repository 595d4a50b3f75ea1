// The training loop of sim-train: balanced batches -> network -> similarity loss -> optimiser,
// with warm-up and cosine decay, validation and a checkpoint at the end of every epoch, --resume,
// and a NaN guard that stops the run with the last good checkpoint intact.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "data/augment.hpp"
#include "data/batch_loader.hpp"
#include "data/train_data.hpp"
#include "train/losses/loss_options.hpp"
#include "train/train_options.hpp"

namespace sim {

struct TrainRequest {
  const TrainData* data = nullptr;
  TrainOptions train;
  BatchOptions batch;
  AugmentOptions augment;
  LossOptions loss;
  bool skip_bad = false;
  unsigned threads = 1;       // --threads: LibTorch's (configure_torch) and the batch loader's
  std::uint64_t seed = 0;     // --seed: sampling, augmentation, preprocessing statistics
  std::string output;         // the model file; its checkpoint is output + ".ckpt"
  nlohmann::json provenance;  // recorded in the model
};

struct TrainSummary {
  std::int64_t steps = 0;
  double seconds = 0;
  double images_per_second = 0;
  double final_loss = 0;
  double val_precision_at_1 = -1, val_map_at_r = -1;  // -1: no validation
  // Where the time went, in seconds: batch loading (decode + augment), forward, loss, backward +
  // optimiser step, validation.
  double data_s = 0, forward_s = 0, loss_s = 0, backward_s = 0, validation_s = 0;
};

// Trains and writes request.output (atomically). Throws UsageError for impossible settings,
// Error when the loss becomes NaN or infinite (naming the step and the checkpoint kept).
TrainSummary train_model(const TrainRequest& request);

}  // namespace sim
