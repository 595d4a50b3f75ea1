#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "train/training_run.hpp"
#include "train/validation.hpp"

namespace sim {

void end_epoch(TrainingRun& run, std::int64_t step) {
  const std::int64_t epoch = step / run.steps_per_epoch;
  std::string line =
      "epoch " + std::to_string(epoch + 1) + ": loss " + std::to_string(run.epoch_loss / double(run.epoch_steps));
  run.epoch_loss = 0;
  run.epoch_steps = 0;
  if (run.val && run.val->size() > 1) {
    const auto start = std::chrono::steady_clock::now();
    const torch::Tensor e = embed_all(run.net, *run.val, run.embed_options);
    const RetrievalScores s = leave_one_out_scores(e, all_labels(*run.val), run.spec.distance);
    run.summary.validation_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.summary.val_precision_at_1 = s.mean_precision_at_1();
    run.summary.val_map_at_r = s.mean_map_at_r();
    char buf[96];
    std::snprintf(buf, sizeof buf, ", validation precision@1 %.4f MAP@R %.4f", run.summary.val_precision_at_1,
                  run.summary.val_map_at_r);
    line += buf;
  }
  spdlog::info("{}", line);
  if (step + 1 < run.total) {
    save_model(run.checkpoint, run.net, run.info, run.samples,
               {{"OPTM", save_optimizer_state(*run.optimizer, *run.loss, step + 1)}});
  }
}

}  // namespace sim
