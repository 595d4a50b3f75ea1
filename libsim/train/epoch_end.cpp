#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/error.hpp"
#include "data/dataset.hpp"
#include "train/global_batch.hpp"
#include "train/rank_group.hpp"
#include "train/training_run.hpp"
#include "train/validation.hpp"

namespace sim {
namespace {

// The validation items' embeddings: a data-parallel run embeds a slice on every rank and gathers
// them, so validation takes 1/W of one process's time.
torch::Tensor validation_embeddings(TrainingRun& run) {
  RankGroup* ranks = run.request->ranks;
  if (!ranks) return embed_all(run.net, *run.val, run.embed_options);
  const std::size_t n = run.val->size();
  std::vector<std::size_t> mine;
  for (std::size_t i = rank_slice_begin(n, ranks->rank(), ranks->size());
       i < rank_slice_begin(n, ranks->rank() + 1, ranks->size()); ++i) {
    mine.push_back(i);
  }
  const DatasetSubset slice(run.val, std::move(mine));
  return gather_embeddings(*ranks, embed_all(run.net, slice, run.embed_options), 1, n);
}

// --keep-best and --patience, after rank 0 scored `epoch` (1-based).
void track_best(TrainingRun& run, std::int64_t epoch) {
  const TrainOptions& config = run.request->train;
  if (run.summary.val_map_at_r > run.best_map) {
    run.best_map = run.summary.val_map_at_r;
    run.best_precision = run.summary.val_precision_at_1;
    run.best_epoch = epoch;
    run.epochs_without_gain = 0;
    if (config.keep_best) {
      torch::NoGradGuard no_grad;
      run.best_state.clear();
      for (const torch::Tensor& t : network_state(run.net, true)) run.best_state.push_back(t.detach().clone());
    }
    return;
  }
  ++run.epochs_without_gain;
  if (config.patience > 0 && run.epochs_without_gain >= config.patience) run.stop = true;
}

}  // namespace

void end_epoch(TrainingRun& run, std::int64_t step) {
  const std::int64_t epoch = step / run.steps_per_epoch;
  const double steps = double(std::max<std::int64_t>(1, run.epoch_steps));
  const double spread = run.epoch_spread / steps, head_spread = run.epoch_head_spread / steps;
  char figures[128];
  std::snprintf(figures, sizeof figures, ": loss %.6g, embedding spread %.3f", run.epoch_loss / steps, spread);
  std::string line = "epoch " + std::to_string(epoch + 1) + figures;
  if (head_spread >= 0) {
    std::snprintf(figures, sizeof figures, ", projection spread %.3f", head_spread);
    line += figures;
  }
  run.epoch_loss = 0;
  run.epoch_spread = 0;
  run.epoch_head_spread = 0;
  run.epoch_steps = 0;
  const bool head_collapsed = head_spread >= 0 && head_spread < kCollapsedSpread;
  if (spread < kCollapsedSpread || head_collapsed) {
    char says[96];
    std::snprintf(says, sizeof says, "%s spread %.4f, below %.2f", head_collapsed ? "projection" : "embedding",
                  head_collapsed ? head_spread : spread, kCollapsedSpread);
    throw Error("", "embeddings",
                "collapsed in epoch " + std::to_string(epoch + 1) + ": every item is " +
                    (head_collapsed ? "projected" : "embedded") + " nearly alike (" + says +
                    "); " + stopped_without_model(run) +
                    ". Self-supervised methods collapse without their safeguards (BYOL's predictor, SwAV's "
                    "equipartition) or with too high a --lr");
  }
  if (run.val && run.val->size() > 1) {
    const auto start = std::chrono::steady_clock::now();
    const torch::Tensor e = validation_embeddings(run);
    // Rank 0 scores; the others go on to the next step, where they wait for it.
    if (run.leader) {
      const RetrievalScores s = leave_one_out_scores(e, all_labels(*run.val), run.spec.distance);
      run.summary.val_precision_at_1 = s.mean_precision_at_1();
      run.summary.val_map_at_r = s.mean_map_at_r();
      char buf[96];
      std::snprintf(buf, sizeof buf, ", validation precision@1 %.4f MAP@R %.4f", run.summary.val_precision_at_1,
                    run.summary.val_map_at_r);
      line += buf;
      track_best(run, epoch + 1);
    }
    run.summary.validation_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  spdlog::info("{}", line);
  if (run.request->train.patience > 0 && run.request->ranks) {
    // Rank 0 alone scored: every rank stops after the same epoch.
    std::vector<torch::Tensor> stop{torch::tensor({std::int64_t(run.stop)}, torch::kInt64)};
    run.request->ranks->broadcast(stop);
    run.stop = stop[0].item<std::int64_t>() != 0;
  }
  if (step + 1 < run.total && !run.stop && run.leader) {
    save_model(run.checkpoint, run.net, run.info, run.samples,
               {{"OPTM", save_optimizer_state(*run.optimizer, *run.loss, step + 1)}});
  }
}

}  // namespace sim
