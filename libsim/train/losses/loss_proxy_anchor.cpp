#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

ProxyAnchorLoss::ProxyAnchorLoss(Distance distance, int64_t num_classes, int64_t embedding_dim, double alpha,
                                 double delta)
    : Loss("proxy_anchor", distance), num_classes_(num_classes), alpha_(alpha), delta_(delta) {
  torch::Tensor w = torch::empty({num_classes, embedding_dim});
  torch::nn::init::kaiming_normal_(w, 0, torch::kFanOut);  // the authors' initialisation
  weight_ = register_parameter("weight", w);
}

torch::Tensor ProxyAnchorLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  if (embeddings.size(0) == 0) return loss_ops::connected_zero(embeddings) + loss_ops::connected_zero(weight_);
  loss_ops::check_proxy_labels(labels, num_classes_);
  // [C x N]: proxies are the anchors, the batch's items their positives and negatives.
  const torch::Tensor cosine = (1.0 - pairwise_distances(Distance::Cosine, weight_, embeddings)).clamp(-1.0, 1.0);
  const torch::Tensor mine =
      torch::one_hot(labels.to(torch::kLong), num_classes_).t().to(torch::kBool);  // [C x N]: item of p's class
  const torch::Tensor positive = loss_ops::masked_logsumexp(-alpha_ * (cosine - delta_), mine, /*add_one=*/true);
  const torch::Tensor negative = loss_ops::masked_logsumexp(alpha_ * (cosine + delta_), ~mine, /*add_one=*/true);
  const torch::Tensor with_items = mine.any(1);
  const auto present = with_items.sum().clamp_min(1).to(positive.scalar_type());
  return positive.masked_fill(~with_items, 0).sum() / present + negative.sum() / double(num_classes_);
}

}  // namespace sim
