#include "train/losses/loss_interface.hpp"

#include <string>

#include "base/error.hpp"
#include "train/losses/loss_self_supervised.hpp"

namespace sim {

torch::Tensor Loss::target_embeddings(const torch::Tensor& /*inputs*/) {
  throw Error("", "--loss", "loss '" + name() + "' has no target network");
}

torch::Tensor Loss::forward_with_target(const torch::Tensor& /*online*/, const torch::Tensor& /*target*/) {
  // Only losses that say needs_target_network() are called this way: reaching here is a bug.
  throw Error("", "--loss", "loss '" + name() + "' has no target network");
}

torch::Tensor Loss::forward_references(const torch::Tensor& /*anchors*/, const torch::Tensor& /*anchor_labels*/,
                                       const torch::Tensor& /*references*/, const torch::Tensor& /*reference_labels*/,
                                       bool /*references_are_anchors*/) {
  // CrossBatchMemoryLoss refuses a loss without supports_references() when it is built: reaching
  // here is a bug.
  throw Error("", "--loss", "loss '" + name() + "' cannot compare its batch with a reference set");
}

Loss::RowShare Loss::forward_rows(const torch::Tensor& /*embeddings*/, const torch::Tensor& /*labels*/,
                                  const torch::Tensor& /*rows*/) {
  // The trainer asks only losses that say supports_rows(): reaching here is a bug.
  throw Error("", "--loss", "loss '" + name() + "' cannot compute a subset of its anchors' terms");
}

ViewPair split_views(const torch::Tensor& embeddings, const char* method) {
  if (embeddings.dim() != 2 || !embeddings.is_floating_point()) {
    throw Error("", "embeddings", std::string(method) + " needs a 2-D floating-point [2B x D] tensor");
  }
  const auto n = embeddings.size(0);
  if (n % 2 != 0) {
    throw Error("", "embeddings",
                std::string(method) + " needs two views per item (rows i and i + B), so an even number of rows, not " +
                    std::to_string(n));
  }
  return {embeddings.narrow(0, 0, n / 2), embeddings.narrow(0, n / 2, n / 2)};
}

}  // namespace sim
