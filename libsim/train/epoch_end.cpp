#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/error.hpp"
#include "base/file_io.hpp"
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
                    "); stopped without writing the model" +
                    (is_regular_file(run.checkpoint) ? " (the last checkpoint " + run.checkpoint + " is kept)" : "") +
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
    }
    run.summary.validation_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  spdlog::info("{}", line);
  if (step + 1 < run.total && run.leader) {
    save_model(run.checkpoint, run.net, run.info, run.samples,
               {{"OPTM", save_optimizer_state(*run.optimizer, *run.loss, step + 1)}});
  }
}

}  // namespace sim
