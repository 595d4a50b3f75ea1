#include <string>

#include "base/error.hpp"
#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

ProxyMarginLoss::ProxyMarginLoss(const std::string& name, Distance distance, int64_t num_classes, int64_t embedding_dim,
                                 double scale)
    : Loss(name, distance), num_classes_(num_classes), scale_(scale) {
  // Only the proxies' directions matter (rows are normalised in forward); their norm sets how far
  // an optimiser step turns them. N(0, 1) is pytorch-metric-learning's default initialisation.
  weight_ = register_parameter("weight", torch::randn({num_classes, embedding_dim}));
}

torch::Tensor ProxyMarginLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  if (embeddings.size(0) == 0) return loss_ops::connected_zero(embeddings) + loss_ops::connected_zero(weight_);
  loss_ops::check_proxy_labels(labels, num_classes_);
  // Cosines to the proxies through the shared cosine distance (it normalises both sides). The clamp
  // keeps rounding from taking them past +-1, where the angular margin's sqrt(1 - c^2) breaks.
  const auto cosine = (1.0 - pairwise_distances(Distance::Cosine, embeddings, weight_)).clamp(-1.0, 1.0);
  const auto target = labels.to(torch::kLong);
  const auto one_hot = torch::one_hot(target, num_classes_).to(cosine.scalar_type());
  const auto target_cosine = cosine.gather(1, target.unsqueeze(1));
  const auto logits = scale_ * (cosine + one_hot * (target_logit(target_cosine) - target_cosine));
  return torch::nn::functional::cross_entropy(logits, target);
}

}  // namespace sim
