// Class-balanced batches for metric learning: P classes × K examples per batch, as in
// TF Similarity's MultiShotMemorySampler and pytorch-metric-learning's MPerClassSampler.
//
// A batch is P * K item indices (positions in `labels`), grouped by class: positions
// [i*K, (i+1)*K) all belong to the i-th class of the batch, and the P classes are distinct.
//   classes  walked in a shuffled order; when the order runs out it is reshuffled and the walk
//            restarts, so every class is taken once per pass over the order (a pass that ends
//            inside a batch defers, never drops, a class the batch already has).
//   items    each class draws from its own shuffled pool without replacement; an exhausted pool
//            is reshuffled and restarted, so every item of a class is seen once before any item
//            of that class is seen twice. Within a batch a class never repeats an item, except:
//   small    a class with fewer than K items contributes all of them plus K - n repeats drawn
//            uniformly from the class. Such classes are listed by small_classes() so the caller
//            can warn naming them (the sampler itself does not log).
// Items labelled -1 (unlabelled) are never sampled; classes with no items are ignored.
//
// Determinism: the stream depends only on (labels, P, K, seed) — own PRNG (base/rng.hpp), no
// std distributions — so it repeats on any platform.
//
// Data-parallel training: every rank runs the same sampler and so draws the same global batches;
// each loads its own slice of every batch (data/batch_loader.hpp), so the ranks together see
// exactly what one process would.
//
// Resume: the sampler's position is the number of batches taken (step()). A new sampler with the
// same (labels, P, K, seed) and start_step = s (or skip(s)) continues exactly where one that had
// taken s batches was, whatever the number of ranks before and after. Skipping costs the time of
// generating the skipped batches (the pools' state depends on every earlier draw), about P*K
// cheap operations per batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/rng.hpp"

namespace sim {

class BalancedSampler {
 public:
  // labels: one per item, a class index >= 0 or -1 for unlabelled.
  // Throws UsageError if classes_per_batch < 1 (field "--classes-per-batch"), examples_per_class
  // < 1 ("--examples-per-class"), or classes_per_batch exceeds the number of classes with at
  // least one item (the message says how many there are). Throws FormatError (field "labels") for
  // a label below -1.
  BalancedSampler(const std::vector<std::int64_t>& labels, int classes_per_batch, int examples_per_class,
                  std::uint64_t seed, std::uint64_t start_step = 0);

  // The next batch: batch_size() item indices, grouped by class (see above).
  std::vector<std::size_t> next();
  // The same, into `batch` (resized), reusing its storage.
  void next(std::vector<std::size_t>& batch);

  // Moves the position forward by n batches, as if next() had been called n times.
  void skip(std::uint64_t n) { step_ += n; }

  // Batches taken (or skipped) so far; pass it back as start_step to resume.
  std::uint64_t step() const { return step_; }

  std::size_t batch_size() const { return std::size_t(classes_per_batch_) * std::size_t(examples_per_class_); }
  int classes_per_batch() const { return classes_per_batch_; }
  int examples_per_class() const { return examples_per_class_; }

  // floor(labelled items / batch_size()), at least 1: one "epoch" of the stream. The stream itself
  // never ends; epochs are bookkeeping for the trainer.
  std::uint64_t batches_per_epoch() const { return batches_per_epoch_; }

  // Classes with at least one item, i.e. those that can be sampled.
  std::size_t num_classes() const { return pools_.size(); }
  std::size_t num_labelled() const { return num_labelled_; }
  // Classes (label values, ascending) with fewer than examples_per_class items: their batches
  // repeat items. The caller should warn, naming them.
  const std::vector<std::int64_t>& small_classes() const { return small_classes_; }

 private:
  struct Pool {
    std::int64_t label;
    std::vector<std::size_t> items;  // shuffled; items[cursor..] not yet drawn in this pass
    std::size_t cursor;
  };

  // Appends the next global batch to `out` (cleared first).
  void generate(std::vector<std::size_t>& out);
  void draw_items(Pool& pool, std::vector<std::size_t>& out);

  int classes_per_batch_, examples_per_class_;
  std::size_t num_labelled_ = 0;
  std::uint64_t batches_per_epoch_ = 1;
  std::vector<Pool> pools_;
  std::vector<std::size_t> class_order_;  // indices into pools_; [class_cursor_..] not yet walked
  std::size_t class_cursor_ = 0;
  std::vector<std::int64_t> small_classes_;
  Rng rng_;
  std::uint64_t generated_ = 0;               // batches generated so far
  std::uint64_t step_ = 0;                    // batches taken (or skipped)
  std::vector<std::size_t> scratch_;          // skipped batches, generated and dropped
  std::vector<std::size_t> scratch_classes_;  // pools taken by the batch being generated
};

}  // namespace sim
