#include "data/batch_loader.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "base/error.hpp"
#include "base/parallel.hpp"
#include "base/rng.hpp"

namespace sim {
namespace {

int resolve_classes_per_batch(int requested, const Dataset& d) {
  if (requested > 0) return requested;
  std::set<std::int64_t> present;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d.label(i) >= 0) present.insert(d.label(i));
  }
  return std::max(1, std::min<int>(16, int(present.size())));
}

// Auto: 16 per class (batches of 160 on Fashion-MNIST's 10 classes), fewer when the smallest class
// is smaller, so that small datasets do not repeat items in every batch.
int resolve_examples_per_class(int requested, const Dataset& d) {
  if (requested > 0) return requested;
  std::map<std::int64_t, int> counts;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d.label(i) >= 0) ++counts[d.label(i)];
  }
  int smallest = 16;
  for (const auto& [label, n] : counts) smallest = std::min(smallest, n);
  return std::max(2, smallest);
}

// Self-supervised batches: every item its own class, so the balanced sampler draws `size` distinct
// items per batch and walks the whole dataset once per epoch in a shuffled order.
std::vector<std::int64_t> instance_labels(const Dataset& d) {
  std::vector<std::int64_t> labels(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) labels[i] = std::int64_t(i);
  return labels;
}

int resolve_batch_size(int requested, const Dataset& d) {
  const int size = requested > 0 ? requested : 256;
  if (d.size() == 0) return size;  // the sampler says there is nothing to draw
  return std::min<int>(size, int(std::min<std::size_t>(d.size(), 1u << 30)));
}

}  // namespace

std::vector<std::int64_t> all_labels(const Dataset& d) {
  std::vector<std::int64_t> labels(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) labels[i] = d.label(i);
  return labels;
}

BatchLoader::BatchLoader(std::shared_ptr<const Dataset> dataset, const BatchOptions& batch,
                         const AugmentOptions& augment, std::uint64_t seed, unsigned threads, bool skip_bad, int rank,
                         int world_size, std::uint64_t start_step)
    : dataset_(std::move(dataset)),
      augment_(augment),
      sampler_(batch.instances ? instance_labels(*dataset_) : all_labels(*dataset_),
               batch.instances ? resolve_batch_size(batch.batch_size, *dataset_)
                               : resolve_classes_per_batch(batch.classes_per_batch, *dataset_),
               batch.instances ? 1 : resolve_examples_per_class(batch.examples_per_class, *dataset_), seed,
               start_step),
      seed_(seed),
      threads_(threads),
      skip_bad_(skip_bad),
      views_(batch.views) {
  if (world_size < 1) throw UsageError("must be at least 1, not " + std::to_string(world_size), "WORLD_SIZE");
  if (rank < 0 || rank >= world_size) {
    throw UsageError("must be in [0, " + std::to_string(world_size) + "), not " + std::to_string(rank), "RANK");
  }
  const std::size_t global = sampler_.batch_size();
  if (global < std::size_t(world_size)) {
    throw UsageError("a batch of " + std::to_string(global) + " items cannot be shared by " +
                         std::to_string(world_size) + " ranks; raise --classes-per-batch or --examples-per-class",
                     "WORLD_SIZE");
  }
  slice_begin_ = rank_slice_begin(global, rank, world_size);
  slice_end_ = rank_slice_begin(global, rank + 1, world_size);
  augment_.validate();
  if (views_ < 1 || views_ > 2) throw UsageError("views must be 1 or 2");
  if (augment_.enabled() && !dataset_->shape().image) {
    throw UsageError("augmentation applies to images; this dataset holds vectors", "--aug-*");
  }
  for (std::int64_t c : sampler_.small_classes()) {
    spdlog::warn("class '{}' has fewer than {} items: its batches repeat items", dataset_->classes()[std::size_t(c)],
                 sampler_.examples_per_class());
  }
}

std::size_t BatchLoader::load_one(std::size_t item, const std::size_t* group, std::size_t group_size, float* out) {
  std::vector<std::size_t> candidates{item};
  candidates.insert(candidates.end(), group, group + group_size);
  std::exception_ptr first_error;
  for (std::size_t candidate : candidates) {
    {
      std::lock_guard<std::mutex> lock(bad_mutex_);
      if (bad_.count(candidate)) continue;
    }
    try {
      dataset_->load(candidate, out);
      return candidate;
    } catch (const FormatError&) {
      if (!skip_bad_) throw;
      if (!first_error) first_error = std::current_exception();
      std::lock_guard<std::mutex> lock(bad_mutex_);
      if (bad_.insert(candidate).second) {
        ++skipped_;
        try {
          throw;
        } catch (const std::exception& e) {
          spdlog::warn("skipped: {}", e.what());
        }
      }
    }
  }
  // Every item of the class in this batch failed: nothing left to substitute.
  if (first_error) std::rethrow_exception(first_error);
  throw FormatError(dataset_->id(item), "", "no readable item of this class is left (--skip-bad)");
}

void BatchLoader::next(Batch& batch) {
  const std::uint64_t step = sampler_.step();
  sampler_.next(indices_);
  const ItemShape shape = dataset_->shape();
  batch.size = slice_end_ - slice_begin_;
  batch.offset = slice_begin_;
  batch.values = shape.values();
  batch.views = views_;
  batch.data.resize(std::size_t(views_) * batch.size * batch.values);
  batch.labels.resize(batch.size);
  batch.items.resize(batch.size);
  const auto k = std::size_t(sampler_.examples_per_class());
  parallel_for(batch.size, threads_, [&](std::size_t begin, std::size_t end) {
    std::chrono::steady_clock::duration augmenting{0};  // this chunk's, added to the total once
    for (std::size_t i = begin; i < end; ++i) {
      // g: the item's position in the whole batch, which decides what a single process would do
      // with it (its substitutes under --skip-bad, its augmentation seed).
      const std::size_t g = slice_begin_ + i;
      float* out = batch.data.data() + i * batch.values;
      const std::size_t group = g / k * k;  // items of the same class sit together in the batch
      batch.items[i] = load_one(indices_[g], indices_.data() + group, std::min(k, indices_.size() - group), out);
      batch.labels[i] = dataset_->label(batch.items[i]);
      const std::uint64_t item_seed = mix_seed(mix_seed(seed_, step), g);
      float* second = views_ == 2 ? batch.data.data() + (batch.size + i) * batch.values : nullptr;
      if (second) std::copy_n(out, batch.values, second);
      if (augment_.enabled()) {
        // The views are augmented in place with two_views' seeds, so each item costs no copy of
        // its source; one clock pair per item keeps the measurement cheap.
        const auto start = std::chrono::steady_clock::now();
        augment(augment_, out, shape.channels, shape.height, shape.width, mix_seed(item_seed, 0));
        if (second) augment(augment_, second, shape.channels, shape.height, shape.width, mix_seed(item_seed, 1));
        augmenting += std::chrono::steady_clock::now() - start;
      }
    }
    augment_ns_ += std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(augmenting).count());
  });
}

std::size_t rank_slice_begin(std::size_t batch_size, int rank, int world_size) {
  return batch_size * std::size_t(rank) / std::size_t(world_size);
}

}  // namespace sim
