// Class-balanced, augmented batches of a dataset, decoded by worker threads.
//
// Each batch is classes_per_batch x examples_per_class items from BalancedSampler (grouped by
// class), loaded with Dataset::load on `threads` threads and augmented (images only) with seeds
// derived from (run seed, step, position in batch, view), so a batch depends only on the seed and
// the step, never on thread timing. With views = 2 every item appears as two independently
// augmented copies (for self-supervised losses): data holds view 0 of the whole batch, then view 1.
//
// Data-parallel ranks (rank r of world_size W) share every batch of the one sampler: rank r loads
// positions [rank_slice_begin(B, r, W), rank_slice_begin(B, r + 1, W)) of the batch of B items,
// with the seeds and --skip-bad substitutes a single process would use at those positions, so W
// ranks together load exactly the batch one process would.
//
// An item that fails to load (a file truncated after the dataset was opened) stops the run with
// its FormatError, or, with skip_bad, is replaced by another item of the same class in the batch,
// remembered, and counted in skipped().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "data/augment.hpp"
#include "data/balanced_sampler.hpp"
#include "data/dataset.hpp"

namespace sim {

struct BatchOptions {
  int classes_per_batch = 0;   // --classes-per-batch; 0 = all classes, at most 16
  int examples_per_class = 0;  // --examples-per-class; 0 = 16, or the smallest class's size if smaller
  int views = 1;               // 2 for self-supervised losses
  // Self-supervised losses: batches of `batch_size` items drawn without regard to labels (every
  // item its own class of one: an unlabelled dataset works, a labelled one's labels are unused).
  bool instances = false;
  int batch_size = 0;  // --batch-size; 0 = 256, or every item if fewer
};

struct Batch {
  std::vector<float> data;           // views x size x values, row-major
  std::vector<std::int64_t> labels;  // size
  std::vector<std::size_t> items;    // size: dataset indices actually loaded
  std::size_t size = 0, values = 0;  // size: this rank's slice of the batch (all of it for one process)
  std::size_t offset = 0;            // the slice's first position in the whole batch
  int views = 1;
};

class BatchLoader {
 public:
  // Throws UsageError for world_size < 1 ("WORLD_SIZE"), a rank outside [0, world_size) ("RANK"),
  // or fewer items in a batch than ranks.
  BatchLoader(std::shared_ptr<const Dataset> dataset, const BatchOptions& batch, const AugmentOptions& augment,
              std::uint64_t seed, unsigned threads, bool skip_bad, int rank = 0, int world_size = 1,
              std::uint64_t start_step = 0);

  // Fills `batch` with the next batch (storage reused between calls).
  void next(Batch& batch);

  const BalancedSampler& sampler() const { return sampler_; }
  std::size_t skipped() const { return skipped_.load(); }

  // Seconds spent in augment() so far, summed over the worker threads (each thread's wall clock
  // around its items' augmentation: its CPU time unless the OS took the core away). Divide by
  // the threads for the share of a batch's wall-clock time.
  double augment_seconds() const { return double(augment_ns_.load()) * 1e-9; }

 private:
  // Loads dataset item `item` into out (values floats); on failure with skip_bad, tries the other
  // items of the same class in `group` and returns the index actually used.
  std::size_t load_one(std::size_t item, const std::size_t* group, std::size_t group_size, float* out);

  std::shared_ptr<const Dataset> dataset_;
  AugmentOptions augment_;
  BalancedSampler sampler_;
  std::uint64_t seed_;
  unsigned threads_;
  bool skip_bad_;
  int views_;
  std::size_t slice_begin_ = 0, slice_end_ = 0;  // this rank's positions in every batch
  std::vector<std::size_t> indices_;             // the whole batch
  std::atomic<std::size_t> skipped_{0};
  std::atomic<std::uint64_t> augment_ns_{0};
  std::mutex bad_mutex_;
  std::set<std::size_t> bad_;  // items known to fail, not tried again
};

// The first position of rank `rank`'s slice of a batch of batch_size items shared by world_size
// ranks (the slices differ in size by at most one).
std::size_t rank_slice_begin(std::size_t batch_size, int rank, int world_size);

// The labels of every item of a dataset, in order (what BalancedSampler takes).
std::vector<std::int64_t> all_labels(const Dataset& d);

}  // namespace sim
