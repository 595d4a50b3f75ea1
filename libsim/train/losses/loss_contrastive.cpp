#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {
namespace {

// Mean over the non-zero entries (0, still connected, when there is none).
torch::Tensor mean_non_zero(const torch::Tensor& loss) {
  return loss.sum() / (loss > 0).sum().to(loss.scalar_type()).clamp_min(1.0);
}

}  // namespace

ContrastiveLoss::ContrastiveLoss(Distance distance, double pos_margin, double neg_margin)
    : Loss("contrastive", distance), pos_margin_(pos_margin), neg_margin_(neg_margin) {}

torch::Tensor ContrastiveLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  if (embeddings.size(0) == 0) return loss_ops::connected_zero(embeddings);
  const auto d = pairwise_distances(distance(), embeddings, embeddings);
  const auto pos = loss_ops::positive_mask(labels).to(d.scalar_type());
  const auto neg = loss_ops::negative_mask(labels).to(d.scalar_type());
  // Averaging over the violating pairs only (not all pairs) keeps the loss from shrinking as most
  // negatives move beyond the margin, pytorch-metric-learning's default.
  return mean_non_zero(torch::relu(d - pos_margin_) * pos) + mean_non_zero(torch::relu(neg_margin_ - d) * neg);
}

}  // namespace sim
