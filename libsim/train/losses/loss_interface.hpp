// The interface every similarity loss of sim-train implements (train/losses/loss_<name>.cpp; their
// papers and defaults in loss_implementations.hpp, their options in loss_options.hpp, the factory in
// loss_factory.hpp).
//
// A loss maps a batch of embeddings to a scalar to minimise. Supervised losses take
//   embeddings  [N x D] float, as the model head returns them (L2-normalised by the head when the
//               distance calls for it; the losses that need unit vectors normalise again, harmlessly)
//   labels      [N] integer (int64), class ids >= 0
// Self-supervised losses (needs_two_views()) take [2B x D] embeddings where rows i and i + B are two
// augmented views of the same item (data/augment.hpp two_views), and ignore the labels.
//
// Every loss is computed on the shared distance (model/torch_distance.hpp); "similarity" is
// 1 - distance (cos for cosine, the dot product for inner_product). Margins and thresholds are in
// the distance's (or similarity's) units, so a margin tuned for cosine needs retuning for another
// distance. The losses, their defaults and papers are listed in train/losses/loss_implementations.hpp.
//
// Degenerate batches never give NaN: an anchor without what its loss needs (a positive, a negative)
// contributes 0 and is left out of the mean; a batch where no anchor qualifies gives 0 that is still
// connected to the embeddings' graph (backward() works and yields zero gradients).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/distance.hpp"

namespace sim {

class Loss : public torch::nn::Module {
 public:
  Loss(const std::string& name, Distance distance) : torch::nn::Module(name), distance_(distance) {}

  // The loss of one batch, a scalar tensor connected to `embeddings` (see the top of this file for
  // shapes and the degenerate-batch rule). Throws sim::Error (field "embeddings" or "labels") for
  // tensors of the wrong shape or type, and for labels a proxy loss has no class for.
  virtual torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) = 0;

  // True for self-supervised losses: the batch holds two views per item, labels are ignored.
  virtual bool needs_two_views() const { return false; }

  // Losses whose pairs may come from a reference set other than the batch (the cross-batch
  // memory, CrossBatchMemoryLoss in loss_implementations.hpp) say supports_references() and
  // implement forward_references: anchors [N x D] with anchor_labels [N] are compared with
  // references [M x D] with reference_labels [M] (same D, same checks as forward); the positives of
  // anchor i are the references with its label, its negatives those with another. With
  // references_are_anchors the references are the anchors themselves (the same tensors) and
  // the pairs (i, i) are left out: forward(e, l) is exactly forward_references(e, l, e, l, true),
  // to the bit. The degenerate-batch rule applies per anchor, with the references for the batch.
  // Gradients reach whichever of the two tensors carries a graph (the memory carries none). The
  // default throws sim::Error (field "--loss").
  virtual bool supports_references() const { return false; }
  virtual torch::Tensor forward_references(const torch::Tensor& anchors, const torch::Tensor& anchor_labels,
                                           const torch::Tensor& references, const torch::Tensor& reference_labels,
                                           bool references_are_anchors);

  // Losses that are a mean, over the anchors that qualify, of a term each anchor's row of
  // comparisons with the whole batch decides (no heads, no memory) say supports_rows() and
  // implement forward_rows: for the anchors `rows` (int64 [n], row numbers of `embeddings`), the sum
  // of their terms and how many of them qualify, each a scalar tensor (the sum connected to
  // `embeddings`). Summed over a partition of the batch's rows, sum / max(count, 1) is
  // forward(embeddings, labels), to float rounding. A data-parallel rank with --split-loss computes
  // only its own rows this way (train/split_loss.hpp). The default throws sim::Error (field "--loss").
  struct RowShare {
    torch::Tensor sum, count;
  };
  virtual bool supports_rows() const { return false; }
  virtual RowShare forward_rows(const torch::Tensor& embeddings, const torch::Tensor& labels,
                                const torch::Tensor& rows);

  // True when the loss owns trainable tensors (class proxies): its parameters() must go to the
  // optimiser, be saved with a checkpoint, and follow the model to its device.
  virtual bool has_parameters() const { return false; }

  // The fewest items a batch must hold for the loss to be defined (a batch norm in its heads, a
  // variance over the batch); the trainer refuses smaller batches before the first step.
  virtual std::int64_t min_items() const { return 1; }

  // Called by the trainer before every training step (0-based `step` of `total`, epochs of
  // `steps_per_epoch`), for losses whose behaviour follows the schedule (SwAV's frozen prototypes,
  // the cross-batch memory's warm-up). Losses that wrap another pass it on.
  virtual void begin_step(std::int64_t /*step*/, std::int64_t /*steps_per_epoch*/, std::int64_t /*total*/) {}

  // Buffers (not parameters) that every data-parallel rank must hold to the bit, such as the
  // cross-batch memory: join_ranks (train/data_parallel.cpp) gives every rank rank 0's, and the
  // gradient sync compares them every step as it compares the weights. Wrappers pass on their
  // inner loss's. Their values are also saved in checkpoints (they are the Module's buffers).
  virtual std::vector<torch::Tensor> rank_shared_buffers() { return {}; }

  // For losses with heads: loss_ops::spread of what the last forward compared (the projections),
  // where a self-supervised method collapses first; -1 for losses without heads.
  virtual double head_spread() const { return -1; }

  // Methods with a target network (BYOL). The loss keeps it, as a copy of the embedding network
  // made by set_online_network (its tensors are the loss's, without gradient: checkpointed,
  // broadcast to the ranks and compared like proxies). Each step the trainer embeds the batch with
  // target_embeddings(inputs) (no gradient), gathers them over the ranks like the online ones, and
  // calls forward_with_target instead of forward; after the optimiser step, update_target(step,
  // total) moves the target (network and heads) towards the online one.
  virtual bool needs_target_network() const { return false; }
  virtual void set_online_network(const std::shared_ptr<torch::nn::Module>& /*online*/) {}
  virtual torch::nn::Module* target_network() { return nullptr; }
  virtual torch::Tensor target_embeddings(const torch::Tensor& inputs);
  virtual torch::Tensor forward_with_target(const torch::Tensor& online, const torch::Tensor& target);
  virtual void update_target(std::int64_t /*step*/, std::int64_t /*total*/) {}

  Distance distance() const { return distance_; }

 private:
  Distance distance_;
};

}  // namespace sim
