#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

CircleLoss::CircleLoss(Distance distance, double m, double gamma) : Loss("circle", distance), m_(m), gamma_(gamma) {}

torch::Tensor CircleLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  if (embeddings.size(0) == 0) return loss_ops::connected_zero(embeddings);
  const auto s = pairwise_similarities(distance(), embeddings, embeddings);
  const auto pos = loss_ops::positive_mask(labels);
  const auto neg = loss_ops::negative_mask(labels);
  // The self-paced weights a_p, a_n are detached, as in the paper's gradient analysis (section 3.2)
  // and the reference implementations: they scale each pair's gradient, they are not optimised.
  const auto a_p = torch::relu(1.0 + m_ - s).detach();
  const auto a_n = torch::relu(s + m_).detach();
  const auto logit_p = -gamma_ * a_p * (s - (1.0 - m_));
  const auto logit_n = gamma_ * a_n * (s - m_);
  // log(1 + sum_n exp(.) * sum_p exp(.)) = softplus(lse_n + lse_p), stable for gamma in the hundreds.
  const auto per_anchor = torch::softplus(loss_ops::masked_logsumexp(logit_p, pos, /*add_one=*/false) +
                                          loss_ops::masked_logsumexp(logit_n, neg, /*add_one=*/false));
  return loss_ops::mean_over(per_anchor, pos.any(1) & neg.any(1));
}

}  // namespace sim
