#include "commands/train_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/progress.hpp"

namespace sim {

void dry_run(const TrainData& data, const BatchOptions& batch_options, const AugmentOptions& augment,
             std::uint64_t seed, unsigned threads, bool skip_bad, std::uint64_t count) {
  const auto start = std::chrono::steady_clock::now();
  BatchLoader loader(data.split.train, batch_options, augment, seed, threads, skip_bad);
  Batch batch;
  Progress progress("sampling", count, "batches");
  for (std::uint64_t b = 0; b < count; ++b) {
    loader.next(batch);
    progress.add();
  }
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The workers' summed augmentation time over the workers that shared each batch (parallel_for
  // uses at most one per item): the wall-clock milliseconds of a batch that augmentation takes
  // when they are evenly busy.
  const auto workers = double(std::min<std::size_t>(std::max(1u, threads), std::max<std::size_t>(1, batch.size)));
  const double augment_seconds = count > 0 ? loader.augment_seconds() / workers / double(count) : 0.0;
  const double batch_seconds = count > 0 ? seconds / double(count) : 0.0;
  std::printf(
      "{\"open_seconds\": %.3f, \"train_items\": %zu, \"batch_size\": %zu, \"batches\": %llu, "
      "\"sample_seconds\": %.3f, \"batches_per_second\": %.1f, \"items_per_second\": %.0f, \"skipped\": %zu, "
      "\"augment_ms_per_batch\": %.3f, \"augment_share\": %.3f}\n",
      data.open_seconds, data.split.train->size(), batch.size, static_cast<unsigned long long>(count), seconds,
      double(count) / seconds, double(count * batch.size) / seconds, loader.skipped(), augment_seconds * 1e3,
      batch_seconds > 0 ? augment_seconds / batch_seconds : 0.0);
}

}  // namespace sim
