#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

PnLoss::PnLoss(Distance distance, double margin, TripletMining mining, bool soft)
    : Loss("pn", distance), margin_(margin), mining_(mining), soft_(soft) {}

torch::Tensor PnLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  if (embeddings.size(0) == 0) return loss_ops::connected_zero(embeddings);
  const auto d = pairwise_distances(distance(), embeddings, embeddings);
  const MinedTriplets mined =
      mine_triplets(d, loss_ops::positive_mask(labels), loss_ops::negative_mask(labels), mining_);
  const auto d_ap = d.gather(1, mined.positive.unsqueeze(1)).squeeze(1);
  const auto d_an = d.gather(1, mined.negative.unsqueeze(1)).squeeze(1);
  const auto d_pn = d.index({mined.positive, mined.negative});
  // The negative's distance to whichever of anchor and positive is nearer: both get pushed away.
  const auto gap = d_ap - torch::minimum(d_an, d_pn);
  const auto per_anchor = soft_ ? torch::softplus(gap) : torch::relu(gap + margin_);
  return loss_ops::mean_over(per_anchor, mined.valid);
}

}  // namespace sim
