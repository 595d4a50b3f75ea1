#include "data/balanced_sampler.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>

#include "base/error.hpp"

namespace sim {
namespace {

bool contains(const std::size_t* begin, const std::size_t* end, std::size_t value) {
  return std::find(begin, end, value) != end;
}

// Moves the first element of order[cursor..] that is not in `taken` to order[cursor] and returns
// it. Only needed right after a reshuffle: the new pass may begin with something the batch already
// took from the end of the previous pass. Deferring it (rather than skipping it) keeps every pass
// a permutation, so no class or item is dropped or seen twice in one pass.
std::size_t take_avoiding(std::vector<std::size_t>& order, std::size_t cursor, const std::size_t* taken_begin,
                          const std::size_t* taken_end) {
  std::size_t j = cursor;
  while (contains(taken_begin, taken_end, order[j])) ++j;  // the caller guarantees one exists
  std::swap(order[cursor], order[j]);
  return order[cursor];
}

}  // namespace

BalancedSampler::BalancedSampler(const std::vector<std::int64_t>& labels, int classes_per_batch, int examples_per_class,
                                 std::uint64_t seed, std::uint64_t start_step)
    : classes_per_batch_(classes_per_batch), examples_per_class_(examples_per_class), rng_(seed), step_(start_step) {
  if (classes_per_batch < 1) {
    throw UsageError("must be at least 1, not " + std::to_string(classes_per_batch), "--classes-per-batch");
  }
  if (examples_per_class < 1) {
    throw UsageError("must be at least 1, not " + std::to_string(examples_per_class), "--examples-per-class");
  }

  // Group labelled items by class. Sorting (not bucketing by label value) keeps memory bounded by
  // the number of items even if label values are sparse; stable, so pools start in item order.
  std::vector<std::size_t> labelled;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= 0) {
      labelled.push_back(i);
    } else if (labels[i] != -1) {
      throw FormatError("", "labels",
                        "item " + std::to_string(i) + " has label " + std::to_string(labels[i]) +
                            "; labels are class indices >= 0, or -1 for unlabelled");
    }
  }
  std::stable_sort(labelled.begin(), labelled.end(),
                   [&](std::size_t a, std::size_t b) { return labels[a] < labels[b]; });
  for (std::size_t i = 0; i < labelled.size(); ++i) {
    const std::int64_t label = labels[labelled[i]];
    if (pools_.empty() || pools_.back().label != label) pools_.push_back({label, {}, 0});
    pools_.back().items.push_back(labelled[i]);
  }
  num_labelled_ = labelled.size();

  if (std::size_t(classes_per_batch) > pools_.size()) {
    throw UsageError("asks for " + std::to_string(classes_per_batch) + " classes per batch, but there are only " +
                         std::to_string(pools_.size()) + " classes with at least one labelled item",
                     "--classes-per-batch");
  }
  for (const Pool& pool : pools_) {
    if (pool.items.size() < std::size_t(examples_per_class)) small_classes_.push_back(pool.label);
  }
  batches_per_epoch_ = std::max<std::uint64_t>(1, num_labelled_ / batch_size());

  // Every shuffle comes from rng_ in a fixed order, so the stream depends on the seed alone.
  for (Pool& pool : pools_) shuffle(pool.items, rng_);
  class_order_.resize(pools_.size());
  std::iota(class_order_.begin(), class_order_.end(), std::size_t(0));
  shuffle(class_order_, rng_);
}

std::vector<std::size_t> BalancedSampler::next() {
  std::vector<std::size_t> batch;
  next(batch);
  return batch;
}

void BalancedSampler::next(std::vector<std::size_t>& batch) {
  // Skipped batches are generated all the same: the pools' state after a batch depends on all
  // earlier draws.
  while (generated_ < step_) generate(scratch_);
  generate(batch);
  ++step_;
}

void BalancedSampler::generate(std::vector<std::size_t>& out) {
  out.clear();
  out.reserve(batch_size());
  std::vector<std::size_t>& classes = scratch_classes_;
  classes.clear();
  bool wrapped = false;
  for (int i = 0; i < classes_per_batch_; ++i) {
    if (class_cursor_ == class_order_.size()) {
      shuffle(class_order_, rng_);
      class_cursor_ = 0;
      wrapped = true;
    }
    // Before a wrap, order[cursor..] holds only classes not yet walked in this pass, none of them
    // in this batch. After one, its num_classes() - cursor entries include at most i - cursor taken
    // ones, so one is free because i < P <= num_classes().
    const std::size_t pool =
        wrapped ? take_avoiding(class_order_, class_cursor_, classes.data(), classes.data() + classes.size())
                : class_order_[class_cursor_];
    ++class_cursor_;
    classes.push_back(pool);
    draw_items(pools_[pool], out);
  }
  ++generated_;
}

void BalancedSampler::draw_items(Pool& pool, std::vector<std::size_t>& out) {
  const std::size_t k = std::size_t(examples_per_class_);
  const std::size_t n = pool.items.size();
  if (n < k) {
    // Too few items for K distinct ones: all of them, then random repeats.
    out.insert(out.end(), pool.items.begin(), pool.items.end());
    for (std::size_t r = n; r < k; ++r) out.push_back(pool.items[std::size_t(rng_.below(n))]);
    return;
  }
  const std::size_t start = out.size();
  bool wrapped = false;
  for (std::size_t j = 0; j < k; ++j) {
    if (pool.cursor == n) {
      shuffle(pool.items, rng_);
      pool.cursor = 0;
      wrapped = true;
    }
    // Same argument as for classes, with j < K <= n.
    const std::size_t item = wrapped
                                 ? take_avoiding(pool.items, pool.cursor, out.data() + start, out.data() + out.size())
                                 : pool.items[pool.cursor];
    ++pool.cursor;
    out.push_back(item);
  }
}

}  // namespace sim
