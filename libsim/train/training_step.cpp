#include <chrono>
#include <cmath>

#include <spdlog/spdlog.h>
#include "base/error.hpp"
#include "base/file_io.hpp"

#include "train/global_batch.hpp"
#include "train/losses/loss_ops.hpp"
#include "train/rank_group.hpp"
#include "train/split_loss.hpp"
#include "train/training_run.hpp"

namespace sim {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What a NaN guard says after "at step N": the model is not written, the last checkpoint is kept.
std::string stopped(const TrainingRun& run, std::int64_t step) {
  return " at step " + std::to_string(step) + "; " + stopped_without_model(run) +
         ". Try a lower --lr or --clip-grad-norm";
}

}  // namespace

std::string stopped_without_model(const TrainingRun& run) {
  return "stopped without writing the model" +
         (is_regular_file(run.checkpoint) ? " (the last good checkpoint " + run.checkpoint + " is kept)" : "");
}

void train_step(TrainingRun& run, std::int64_t step, Batch& batch) {
  const TrainOptions& config = run.request->train;
  TrainSummary& summary = run.summary;
  set_learning_rate(*run.optimizer, learning_rate(config, step, run.total, run.warmup));

  auto t = Clock::now();
  run.loader->next(batch);
  run.input_shape[0] = std::int64_t(batch.size) * batch.views;
  const torch::Tensor x = torch::from_blob(batch.data.data(), run.input_shape, torch::kFloat32);
  torch::Tensor labels = torch::from_blob(batch.labels.data(), {std::int64_t(batch.size)}, torch::kInt64);
  summary.data_s += seconds_since(t);

  t = Clock::now();
  Loss& loss = *run.loss;
  loss.begin_step(step, run.steps_per_epoch, run.total);
  torch::Tensor embeddings = run.net->forward(x);
  torch::Tensor target = loss.needs_target_network() ? loss.target_embeddings(x) : torch::Tensor();
  summary.forward_s += seconds_since(t);
  t = Clock::now();
  // What backward starts from: the loss itself, or with --split-loss this rank's rows' gradient.
  torch::Tensor value, from = embeddings, gradient;
  double v = 0;
  if (RankGroup* ranks = run.request->ranks) {
    labels = gather_labels(*ranks, labels, run.batch_items);
    if (run.split_loss) {
      SplitLossStep split = split_loss_step(*ranks, loss, embeddings, labels, batch.views, run.batch_items);
      v = split.value;
      embeddings = split.batch;
      gradient = std::move(split.gradient);
    } else {
      // The loss sees the whole batch; this rank's rows keep their graph (global_batch.hpp).
      embeddings = gather_embeddings(*ranks, embeddings, batch.views, run.batch_items);
      if (target.defined()) target = gather_embeddings(*ranks, target, batch.views, run.batch_items);
    }
  }
  if (!gradient.defined()) {
    value = target.defined() ? loss.forward_with_target(embeddings, target) : loss.forward(embeddings, labels);
    v = value.item<double>();
  }
  run.epoch_spread += loss_ops::spread(embeddings);
  run.epoch_head_spread += loss.head_spread();
  summary.loss_s += seconds_since(t);
  // Masked losses can stay finite (even 0) while the network's outputs are already NaN.
  if (!std::isfinite(v) || !embeddings.isfinite().all().item<bool>()) {
    throw Error("", "loss",
                std::string(std::isfinite(v) ? "the embeddings became NaN or infinite"
                            : std::isnan(v)  ? "became NaN"
                                             : "became infinite") +
                    stopped(run, step));
  }
  t = Clock::now();
  if (run.sync) run.sync->share_buffers();
  run.optimizer->zero_grad();
  if (gradient.defined()) {
    from.backward(gradient);
  } else {
    value.backward();
  }
  if (run.sync) run.sync->reduce(step);
  if (config.clip_grad_norm > 0) torch::nn::utils::clip_grad_norm_(run.params, config.clip_grad_norm);
  run.optimizer->step();
  loss.update_target(step, run.total);
  for (const auto& p : run.params) {
    if (!p.isfinite().all().item<bool>()) throw Error("", "weights", "became NaN or infinite" + stopped(run, step));
  }
  summary.backward_s += seconds_since(t);
  spdlog::debug("step {}: loss {:.9g}", step, v);
  run.epoch_loss += v;
  ++run.epoch_steps;
  summary.final_loss = v;
}

}  // namespace sim
