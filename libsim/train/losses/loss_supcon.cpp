#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

SupConLoss::SupConLoss(Distance distance, double temperature) : Loss("supcon", distance), temperature_(temperature) {}

torch::Tensor SupConLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  const auto n = embeddings.size(0);
  if (n == 0) return loss_ops::connected_zero(embeddings);
  const torch::Tensor logits = pairwise_similarities(distance(), embeddings, embeddings) / temperature_;
  const torch::Tensor positives = loss_ops::positive_mask(labels);
  const torch::Tensor others = ~torch::eye(n, torch::TensorOptions().dtype(torch::kBool).device(embeddings.device()));
  // log_prob_ik = s_ik / T - log sum_{k' != i} exp(s_ik' / T); averaged over the positives.
  const torch::Tensor log_prob = logits - loss_ops::masked_logsumexp(logits, others, /*add_one=*/false).unsqueeze(1);
  const torch::Tensor count = positives.sum(1);
  const torch::Tensor per_row =
      -(log_prob.masked_fill(~positives, 0).sum(1) / count.clamp_min(1).to(log_prob.scalar_type()));
  return loss_ops::mean_over(per_row, count > 0);
}

}  // namespace sim
