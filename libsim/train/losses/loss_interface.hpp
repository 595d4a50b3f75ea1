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

#include <string>

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

  // True when the loss owns trainable tensors (class proxies): its parameters() must go to the
  // optimiser, be saved with a checkpoint, and follow the model to its device.
  virtual bool has_parameters() const { return false; }

  Distance distance() const { return distance_; }

 private:
  Distance distance_;
};

}  // namespace sim
