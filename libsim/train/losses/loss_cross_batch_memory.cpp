#include <algorithm>
#include <string>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

CrossBatchMemoryLoss::CrossBatchMemoryLoss(std::shared_ptr<Loss> inner, std::int64_t embedding_dim, std::int64_t size,
                                           std::int64_t warmup)
    : Loss("cross_batch_memory", inner->distance()), inner_(std::move(inner)), size_(size), warmup_(warmup) {
  if (size < 1 || embedding_dim < 1) {
    throw UsageError("the cross-batch memory needs a positive size and embedding dimension (got " +
                         std::to_string(size) + " and " + std::to_string(embedding_dim) + ")",
                     "--xbm-size");
  }
  if (!inner_->supports_references()) {
    throw UsageError("--loss " + inner_->name() +
                         " cannot compare a batch with a memory (supported: " + cross_batch_memory_losses() + ")",
                     "--xbm-size");
  }
  register_module("inner", inner_);
  // Zeros and label -1 until written: only rows [0, filled) are ever read.
  memory_ = register_buffer("memory", torch::zeros({size, embedding_dim}));
  labels_ = register_buffer("memory_labels", torch::full({size}, -1, torch::kInt64));
  enqueued_ = register_buffer("enqueued", torch::zeros({}, torch::kInt64));
}

void CrossBatchMemoryLoss::begin_step(std::int64_t step, std::int64_t steps_per_epoch, std::int64_t total) {
  in_use_ = step >= xbm_warmup_steps(warmup_, total);
  inner_->begin_step(step, steps_per_epoch, total);
}

std::vector<torch::Tensor> CrossBatchMemoryLoss::rank_shared_buffers() {
  std::vector<torch::Tensor> buffers{memory_, labels_, enqueued_};
  for (const auto& b : inner_->rank_shared_buffers()) buffers.push_back(b);
  return buffers;
}

std::int64_t CrossBatchMemoryLoss::filled() const { return std::min(enqueued_.item<std::int64_t>(), size_); }

torch::Tensor CrossBatchMemoryLoss::memory_embeddings() const { return memory_.narrow(0, 0, filled()).clone(); }

torch::Tensor CrossBatchMemoryLoss::memory_labels() const { return labels_.narrow(0, 0, filled()).clone(); }

torch::Tensor CrossBatchMemoryLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  if (memory_.size(0) != size_ || labels_.size(0) != size_) {
    // Module::load takes a checkpoint's buffers at their own shapes.
    throw UsageError("the cross-batch memory holds " + std::to_string(memory_.size(0)) + " rows, not the " +
                         std::to_string(size_) +
                         " asked for: resume with the --xbm-size the checkpoint was trained with",
                     "--xbm-size");
  }
  if (embeddings.size(1) != memory_.size(1)) {
    throw Error("", "embeddings",
                "the cross-batch memory holds rows of " + std::to_string(memory_.size(1)) + " values, not " +
                    std::to_string(embeddings.size(1)));
  }
  torch::Tensor value = inner_->forward(embeddings, labels);
  const std::int64_t rows = filled();
  if (in_use_ && rows > 0) {
    // Copies, not views: the enqueue below overwrites the buffers in place before backward reads
    // what the similarities saved.
    const torch::Tensor references =
        memory_.narrow(0, 0, rows).to(embeddings.scalar_type(), /*non_blocking=*/false, /*copy=*/true);
    const torch::Tensor reference_labels = labels_.narrow(0, 0, rows).clone();
    value = value + inner_->forward_references(embeddings, labels, references, reference_labels,
                                               /*references_are_anchors=*/false);
  }
  enqueue(embeddings, labels);
  return value;
}

void CrossBatchMemoryLoss::enqueue(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  const std::int64_t n = embeddings.size(0), kept = std::min(n, size_);
  if (kept == 0) return;
  // Row r of the batch goes to (enqueued + r) mod size, as if the rows were written one by one:
  // of a batch larger than the memory only its last `size` rows survive, and the write position
  // moves on by the whole batch either way.
  const std::int64_t start = enqueued_.item<std::int64_t>();
  const torch::Tensor places = (torch::arange(start + n - kept, start + n, torch::kInt64) % size_).to(memory_.device());
  memory_.index_copy_(0, places, embeddings.detach().narrow(0, n - kept, kept).to(memory_.scalar_type()));
  labels_.index_copy_(0, places, labels.narrow(0, n - kept, kept).to(torch::kInt64));
  enqueued_.add_(n);
}

}  // namespace sim
