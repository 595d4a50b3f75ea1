// One run of train_model (trainer.hpp), in the three parts of its loop: the set-up builds
// everything a run needs (training_setup.cpp), a step trains on one batch (training_step.cpp), the
// end of an epoch validates and checkpoints (epoch_end.cpp); trainer.cpp is the loop over them.
// The optimiser and its schedule, and the checkpoint's optimiser state, are in optimizer.cpp.
// Private to train/.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/batch_loader.hpp"
#include "model/embedder.hpp"
#include "model/model_file.hpp"
#include "train/gradient_sync.hpp"
#include "train/losses/loss_interface.hpp"
#include "train/trainer.hpp"

namespace sim {

struct TrainingRun {
  const TrainRequest* request = nullptr;
  ArchSpec spec;
  EmbeddingNet net{nullptr};
  std::shared_ptr<Loss> loss;
  std::vector<torch::Tensor> params;  // what the optimiser updates: the network's, then the loss's
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<BatchLoader> loader;
  std::int64_t start_step = 0;         // > 0 when resumed from the checkpoint
  std::int64_t total = 0, warmup = 0;  // optimiser steps: all of them, and the warm-up's
  std::int64_t steps_per_epoch = 0;
  std::uint64_t images_per_step = 0;   // the whole batch's, over all ranks
  std::size_t batch_items = 0;         // items in the whole batch (each twice with two views)
  bool leader = true;                  // rank 0, or the only process: logs, checkpoints, writes
  std::unique_ptr<GradientSync> sync;  // data-parallel runs: sums gradients over the ranks
  bool split_loss = false;             // data-parallel runs with --split-loss on (split_loss.hpp)
  std::string checkpoint;              // request->output + ".ckpt"
  ModelInfo info;                      // what the model file records
  torch::Tensor samples;               // the model's self-test inputs
  std::shared_ptr<const Dataset> val;
  EmbedOptions embed_options;             // for validation
  std::vector<std::int64_t> input_shape;  // a batch's tensor shape, its first dimension set per batch

  // --keep-best and --patience (rank 0 decides; end_epoch tells the others to stop).
  double best_map = -1;                   // the best validation MAP@R so far
  double best_precision = -1;             // and its precision@1
  std::int64_t best_epoch = 0;            // 1-based; 0: none yet
  std::vector<torch::Tensor> best_state;  // a copy of network_state(net, true) at best_epoch (--keep-best)
  int epochs_without_gain = 0;
  bool stop = false;  // --patience ran out: train_model ends after this epoch

  double epoch_loss = 0;         // summed over the epoch's steps so far
  double epoch_spread = 0;       // loss_ops::spread of the batches' embeddings, summed likewise
  double epoch_head_spread = 0;  // and of the loss's head outputs (Loss::head_spread; < 0: no head)
  std::int64_t epoch_steps = 0;
  TrainSummary summary;
};

// Builds the network (its preprocessing measured on the training items, or a TorchScript backbone),
// the loss, the optimiser and the batch loader, resuming from the checkpoint with --resume. Throws
// UsageError for impossible settings, FormatError for too few classes or a checkpoint of another
// architecture, IoError for a missing checkpoint.
TrainingRun start_training(const TrainRequest& request);

// A data-parallel run's start (data_parallel.cpp), in two parts. join_ranks, before the batch
// loader is built: rank 0's weights, position and (when resumed) optimiser state given to every
// rank. share_work, once the batch's size is known: batch norms synchronised over the ranks or
// not (--sync-batch-norm; synchronise_batch_norms), the loss split over them (--split-loss on;
// UsageError for a loss that cannot be), and the gradient sync.
void join_ranks(TrainingRun& run, RankGroup& ranks);
void share_work(TrainingRun& run, RankGroup& ranks);

// --sync-batch-norm MODE for batches of batch_items items (views rows each) over `world` ranks:
// "on", "off", or "auto": synchronised only when a rank's slice holds fewer than
// kLocalBatchNormRows rows. Batch norm's statistics get noisy on small batches (Wu & He, "Group
// Normalization", ECCV 2018, Figure 1: ImageNet error flat from 32 images per worker down to 16,
// rising below); at 80 rows per rank the default network trains as well on slices alone, and
// 1.3x faster (docs/distributed.md).
inline constexpr std::size_t kLocalBatchNormRows = 32;
bool synchronise_batch_norms(const std::string& mode, std::size_t batch_items, int views, int world);

// "stopped without writing the model", naming the last good checkpoint if there is one: what a
// run that fails its guards (NaN, collapse) says after its reason (training_step.cpp).
std::string stopped_without_model(const TrainingRun& run);

// Step `step`: its learning rate, the next batch, forward, loss, backward and optimiser step, each
// timed into run.summary, its loss added to the epoch's. Throws Error when the loss, the embeddings
// or the weights stop being finite (naming the step and the checkpoint kept).
void train_step(TrainingRun& run, std::int64_t step, Batch& batch);

// Below this mean spread (loss_ops::spread) of the embeddings, or of what a self-supervised method
// compares (its head's output), over an epoch, training stops as collapsed (end_epoch): every item
// embedded alike, the failure of those methods without their safeguards (BYOL without predictor,
// SwAV without equipartition).
constexpr double kCollapsedSpread = 0.05;

// After the last step of an epoch (`step`, 0-based): logs the epoch's mean loss, embedding spread
// and validation figures, stops a collapsed run (Error, before any checkpoint of the epoch), and
// writes the checkpoint unless training is over.
void end_epoch(TrainingRun& run, std::int64_t step);

// Every tensor of the network: its parameters and buffers, the TorchScript backbone's parameters
// and (with_script_buffers) its buffers (data_parallel.cpp).
std::vector<torch::Tensor> network_state(EmbeddingNet& net, bool with_script_buffers);

// The loss's parameters the optimiser updates: all but those without gradient (BYOL's target).
std::vector<torch::Tensor> trainable_loss_parameters(Loss& loss);

// optimizer.cpp: --optimizer over `params`; the learning rate at `step` (linear warm-up, then
// cosine decay to 0); and the checkpoint's optimiser state (its OPTM section).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& options, std::vector<torch::Tensor> params);
double learning_rate(const TrainOptions& options, std::int64_t step, std::int64_t total, std::int64_t warmup);
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);
std::string save_optimizer_state(torch::optim::Optimizer& optimizer, Loss& loss, std::int64_t step);
std::int64_t load_optimizer_state(const std::string& bytes, torch::optim::Optimizer& optimizer, Loss& loss);

}  // namespace sim
