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
  return forward_references(embeddings, labels, embeddings, labels, /*references_are_anchors=*/true);
}

torch::Tensor ContrastiveLoss::forward_references(const torch::Tensor& anchors, const torch::Tensor& anchor_labels,
                                                  const torch::Tensor& references,
                                                  const torch::Tensor& reference_labels, bool references_are_anchors) {
  loss_ops::check_references(anchors, anchor_labels, references, reference_labels, references_are_anchors);
  if (anchors.size(0) == 0 || references.size(0) == 0) return loss_ops::connected_zero(anchors);
  const auto d = pairwise_distances(distance(), anchors, references);
  const auto pos = loss_ops::positive_mask(anchor_labels, reference_labels, references_are_anchors).to(d.scalar_type());
  const auto neg = loss_ops::negative_mask(anchor_labels, reference_labels).to(d.scalar_type());
  // Averaging over the violating pairs only (not all pairs) keeps the loss from shrinking as most
  // negatives move beyond the margin, pytorch-metric-learning's default.
  return mean_non_zero(torch::relu(d - pos_margin_) * pos) + mean_non_zero(torch::relu(neg_margin_ - d) * neg);
}

}  // namespace sim
