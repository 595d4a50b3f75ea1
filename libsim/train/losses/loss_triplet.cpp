#include "base/error.hpp"
#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

MinedTriplets mine_triplets(const torch::Tensor& distances, const torch::Tensor& positive_mask,
                            const torch::Tensor& negative_mask, TripletMining mining) {
  torch::NoGradGuard no_grad;
  const auto d = distances.detach();
  MinedTriplets mined;
  mined.valid = positive_mask.any(1) & negative_mask.any(1);
  switch (mining) {
    case TripletMining::Hard:
      mined.positive = loss_ops::masked_argmax(d, positive_mask);
      mined.negative = loss_ops::masked_argmin(d, negative_mask);
      break;
    case TripletMining::Easy:
      mined.positive = loss_ops::masked_argmin(d, positive_mask);
      mined.negative = loss_ops::masked_argmin(d, negative_mask);
      break;
    case TripletMining::SemiHard: {
      mined.positive = loss_ops::masked_argmax(d, positive_mask);
      const auto d_ap = d.gather(1, mined.positive.unsqueeze(1));
      const auto farther = negative_mask & (d > d_ap);
      // Without a semi-hard negative every negative is closer than the positive; the farthest of
      // them is the least violating one, the choice of TF Similarity and TF Addons.
      mined.negative =
          torch::where(farther.any(1), loss_ops::masked_argmin(d, farther), loss_ops::masked_argmax(d, negative_mask));
      break;
    }
    case TripletMining::All:
      throw Error("", "--triplet-mining", "'all' has no single triplet per anchor to mine");
  }
  return mined;
}

TripletLoss::TripletLoss(Distance distance, double margin, TripletMining mining, bool soft)
    : Loss("triplet", distance), margin_(margin), mining_(mining), soft_(soft) {}

torch::Tensor TripletLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  loss_ops::check_batch(embeddings, labels);
  if (embeddings.size(0) == 0) return loss_ops::connected_zero(embeddings);
  const auto d = pairwise_distances(distance(), embeddings, embeddings);
  const auto pos = loss_ops::positive_mask(labels);
  const auto neg = loss_ops::negative_mask(labels);

  if (mining_ == TripletMining::All) {
    // [a, p, n] = d_ap - d_an over every valid triplet at once: N^3 values.
    const auto gap = d.unsqueeze(2) - d.unsqueeze(1);
    const auto triplet = (pos.unsqueeze(2) & neg.unsqueeze(1)).to(d.scalar_type());
    if (soft_) return (torch::softplus(gap) * triplet).sum() / triplet.sum().clamp_min(1.0);
    const auto loss = torch::relu(gap + margin_) * triplet;
    // Averaging over the violating triplets only keeps the gradient from fading as most triplets
    // become easy (Hermans et al.'s "BA != 0").
    return loss.sum() / (loss > 0).sum().to(d.scalar_type()).clamp_min(1.0);
  }

  const MinedTriplets mined = mine_triplets(d, pos, neg, mining_);
  const auto gap =
      d.gather(1, mined.positive.unsqueeze(1)).squeeze(1) - d.gather(1, mined.negative.unsqueeze(1)).squeeze(1);
  const auto per_anchor = soft_ ? torch::softplus(gap) : torch::relu(gap + margin_);
  return loss_ops::mean_over(per_anchor, mined.valid);
}

}  // namespace sim
