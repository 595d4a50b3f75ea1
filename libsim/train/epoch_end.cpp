#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

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
  std::string line =
      "epoch " + std::to_string(epoch + 1) + ": loss " + std::to_string(run.epoch_loss / double(run.epoch_steps));
  run.epoch_loss = 0;
  run.epoch_steps = 0;
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
