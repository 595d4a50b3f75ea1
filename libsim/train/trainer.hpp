// The training loop of sim-train: balanced batches -> network -> similarity loss -> optimiser,
// with warm-up and cosine decay, validation and a checkpoint at the end of every epoch, --resume,
// and a NaN guard that stops the run with the last good checkpoint intact. Data-parallel over the
// ranks of a RankGroup when the request has one (train/rank_group.hpp): rank 0 loads the checkpoint
// and hands its state to the others, every rank trains on its slice of every batch with the
// statistics, losses and gradients of the whole batch, and rank 0 alone logs progress and writes
// the checkpoints and the model.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "data/augment.hpp"
#include "data/batch_loader.hpp"
#include "data/train_data.hpp"
#include "train/losses/loss_options.hpp"
#include "train/train_options.hpp"

namespace sim {

class RankGroup;

struct TrainRequest {
  const TrainData* data = nullptr;
  TrainOptions train;
  BatchOptions batch;
  AugmentOptions augment;
  LossOptions loss;
  bool skip_bad = false;
  unsigned threads = 1;        // --threads: LibTorch's (configure_torch) and the batch loader's
  std::uint64_t seed = 0;      // --seed: sampling, augmentation, preprocessing statistics
  std::string output;          // the model file; its checkpoint is output + ".ckpt"
  nlohmann::json provenance;   // recorded in the model
  RankGroup* ranks = nullptr;  // the data-parallel job this process is a rank of; null: one process
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
  // Data-parallel runs: of all that, the time in collectives, waiting for the other ranks included.
  double collectives_s = 0;
};

// Trains and writes request.output (atomically; rank 0 only). Throws UsageError for impossible
// settings, Error when the loss becomes NaN or infinite (naming the step and the checkpoint kept),
// LostRankError when another rank fails or is lost.
TrainSummary train_model(const TrainRequest& request);

}  // namespace sim
