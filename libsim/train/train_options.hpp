// sim-train's model and optimisation settings; each field names its flag (tools/cli/train_flags.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/distance.hpp"

namespace sim {

struct TrainOptions {
  // Model
  std::string arch = "auto";             // --arch
  std::int64_t dim = 64;                 // --dim
  Distance distance = Distance::Cosine;  // --distance
  std::string backbone;                  // --backbone FILE.pt (TorchScript)
  bool freeze_backbone = false;          // --freeze-backbone

  // Schedule
  int epochs = 8;                  // --epochs
  std::int64_t steps = 0;          // --steps: total optimiser steps; overrides --epochs when > 0
  std::string optimizer = "adam";  // --optimizer adam|adamw|sgd
  double lr = 2e-3;                // --lr: peak learning rate
  double weight_decay = -1;        // --weight-decay; < 0: 0 for adam/sgd, 0.01 for adamw (PyTorch's default)
  double momentum = 0.9;           // --momentum (sgd)
  std::int64_t warmup_steps = -1;  // --warmup-steps; < 0: 5% of the steps, at most 500
  double clip_grad_norm = 0;       // --clip-grad-norm; 0 = off
  std::size_t val_max = 10000;     // --val-max: validate on at most this many items
  bool keep_best = false;          // --keep-best: write the epoch with the best validation MAP@R
  int patience = 0;                // --patience: stop after this many epochs without a better MAP@R; 0 = off

  bool resume = false;  // --resume: continue from OUTPUT.ckpt

  // Data-parallel runs: sim's batch norms normalise with the whole batch's statistics over all ranks
  // (on), or each rank's slice alone with rank 0's running statistics (off, DistributedDataParallel
  // without SyncBatchNorm), or auto: on for small slices (synchronise_batch_norms in
  // train/training_run.hpp). --sync-batch-norm auto|on|off.
  std::string sync_batch_norm = "auto";
  // Data-parallel runs: each rank computes the loss for its own rows of the batch only, the ranks
  // adding up the gradients (train/split_loss.hpp). --split-loss on|off.
  bool split_loss = false;
};

}  // namespace sim
