#include "train/trainer.hpp"

#include <unistd.h>

#include <c10/util/Exception.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <new>
#include <string>

#include "base/error.hpp"
#include "base/progress.hpp"
#include "train/rank_group.hpp"
#include "train/training_run.hpp"

namespace sim {
namespace {

// What the flags that sized the batch must hear when it does not fit (exit 2: they chose it),
// instead of LibTorch's allocator message with its C++ stack frames.
[[noreturn]] void throw_batch_too_large(const TrainingRun& run, const std::string& torch_says) {
  throw UsageError("a batch of " + std::to_string(run.images_per_step) + " " +
                       (run.spec.input.image ? "images" : "items") + " does not fit in this machine's memory" +
                       (torch_says.empty() ? "" : " (" + torch_says + ")") +
                       "; lower --examples-per-class or --classes-per-batch",
                   "--examples-per-class");
}

}  // namespace

TrainSummary train_model(const TrainRequest& request) {
  TrainingRun run = start_training(request);
  run.net->train();
  Batch batch;
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Progress> progress;
  std::int64_t steps_taken = 0;
  for (std::int64_t step = run.start_step; step < run.total; ++step) {
    if (!progress) {
      // Counted in images, so the rate shown is images/s; the loss is logged at each epoch's end.
      const std::int64_t epoch = step / run.steps_per_epoch;
      const auto steps_left = std::min(run.steps_per_epoch - step % run.steps_per_epoch, run.total - step);
      progress = std::make_unique<Progress>(
          "epoch " + std::to_string(epoch + 1) + "/" +
              std::to_string((run.total + run.steps_per_epoch - 1) / run.steps_per_epoch),
          std::uint64_t(steps_left) * run.images_per_step, run.spec.input.image ? "images" : "items");
    }
    try {
      train_step(run, step, batch);
    } catch (const std::bad_alloc&) {
      throw_batch_too_large(run, "");
    } catch (const c10::Error& e) {
      const std::string what = e.what();
      if (what.find("can't allocate memory") == std::string::npos) throw;
      throw_batch_too_large(run, what.substr(0, what.find('\n')));
    }
    progress->add(run.images_per_step);
    ++steps_taken;
    const bool epoch_end = (step + 1) % run.steps_per_epoch == 0 || step + 1 == run.total;
    if (!epoch_end) continue;
    progress->finish();
    progress.reset();
    end_epoch(run, step);
    if (run.stop) {
      if (run.leader) {
        spdlog::info("stopping early: no better validation MAP@R for {} epochs (--patience; best {:.4f} in epoch {})",
                     request.train.patience, run.best_map, run.best_epoch);
      }
      break;
    }
  }
  TrainSummary summary = run.summary;
  summary.steps = steps_taken;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.images_per_second = double(summary.steps) * double(run.images_per_step) / summary.seconds;
  if (request.ranks) summary.collectives_s = request.ranks->collective_seconds();
  run.info.training["val_precision_at_1"] = summary.val_precision_at_1;
  run.info.training["val_map_at_r"] = summary.val_map_at_r;
  if (run.sync) {
    run.sync->check_identical("at the end of training");
    spdlog::debug("weights fingerprint {:016x} at the end of training", run.sync->fingerprint());
  }
  if (request.train.keep_best && run.leader && !run.best_state.empty()) {
    // The best epoch's weights replace the last ones (after the ranks' weights were compared; rank
    // 0 alone writes), and the figures recorded are that epoch's.
    torch::NoGradGuard no_grad;
    const std::vector<torch::Tensor> now = network_state(run.net, true);
    for (std::size_t i = 0; i < now.size(); ++i) now[i].copy_(run.best_state[i]);
    summary.val_map_at_r = run.best_map;
    summary.val_precision_at_1 = run.best_precision;
    run.info.training["val_precision_at_1"] = run.best_precision;
    run.info.training["val_map_at_r"] = run.best_map;
    run.info.training["best_epoch"] = run.best_epoch;
    spdlog::info("keeping epoch {}: validation precision@1 {:.4f} MAP@R {:.4f} (--keep-best)", run.best_epoch,
                 run.best_precision, run.best_map);
  }
  if (run.leader) {
    save_model(request.output, run.net, run.info, run.samples);
    ::unlink(run.checkpoint.c_str());  // the run finished: nothing to resume
  }
  // Every rank exits 0 only if rank 0 wrote the model: a failed write fails this barrier too.
  if (request.ranks) request.ranks->barrier();
  return summary;
}

}  // namespace sim
