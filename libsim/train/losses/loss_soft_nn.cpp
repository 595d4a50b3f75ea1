#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

SoftNearestNeighborLoss::SoftNearestNeighborLoss(Distance distance, double temperature)
    : Loss("soft_nn", distance), temperature_(temperature) {}

torch::Tensor SoftNearestNeighborLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  const auto n = embeddings.size(0);
  if (n == 0) return loss_ops::connected_zero(embeddings);
  const auto logits = -pairwise_distances(distance(), embeddings, embeddings) / temperature_;
  const auto pos = loss_ops::positive_mask(labels);
  const auto others = ~torch::eye(n, torch::TensorOptions().dtype(torch::kBool).device(embeddings.device()));
  // -log(sum_p / sum_others) in log space: the ratio underflows in float for small temperatures.
  const auto per_anchor = loss_ops::masked_logsumexp(logits, others, /*add_one=*/false) -
                          loss_ops::masked_logsumexp(logits, pos, /*add_one=*/false);
  return loss_ops::mean_over(per_anchor, pos.any(1));
}

}  // namespace sim
