// What sim-train does besides training (train/trainer.hpp): --dry-run, the data side alone.
#pragma once

#include <cstdint>

#include "data/augment.hpp"
#include "data/batch_loader.hpp"
#include "data/train_data.hpp"

namespace sim {

// Draws `count` balanced, augmented batches from data's training split as training would (seeded
// by `seed`, decoded on `threads`), and prints the timings as one JSON line on stdout: open and
// sampling seconds, items, batch size, batches and items per second, items skipped, and the
// augmentation's part of each batch: augment_ms_per_batch (the loader's threads' summed time in
// augment() per batch, divided by the threads that shared a batch: the wall-clock milliseconds it
// adds when they are evenly busy) and augment_share (that over the whole time per batch).
void dry_run(const TrainData& data, const BatchOptions& batch_options, const AugmentOptions& augment,
             std::uint64_t seed, unsigned threads, bool skip_bad, std::uint64_t count);

}  // namespace sim
