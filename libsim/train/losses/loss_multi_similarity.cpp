#include <limits>

#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

MultiSimilarityLoss::MultiSimilarityLoss(Distance distance, double alpha, double beta, double base, double epsilon)
    : Loss("multi_similarity", distance), alpha_(alpha), beta_(beta), base_(base), epsilon_(epsilon) {}

torch::Tensor MultiSimilarityLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  return forward_references(embeddings, labels, embeddings, labels, /*references_are_anchors=*/true);
}

torch::Tensor MultiSimilarityLoss::forward_references(const torch::Tensor& anchors, const torch::Tensor& anchor_labels,
                                                      const torch::Tensor& references,
                                                      const torch::Tensor& reference_labels,
                                                      bool references_are_anchors) {
  loss_ops::check_references(anchors, anchor_labels, references, reference_labels, references_are_anchors);
  if (anchors.size(0) == 0 || references.size(0) == 0) return loss_ops::connected_zero(anchors);
  const auto pos = loss_ops::positive_mask(anchor_labels, reference_labels, references_are_anchors);
  const AnchorTerms t = terms(pairwise_similarities(distance(), anchors, references), pos,
                              loss_ops::negative_mask(anchor_labels, reference_labels));
  return loss_ops::mean_over(t.per_anchor, t.valid);
}

Loss::RowShare MultiSimilarityLoss::forward_rows(const torch::Tensor& embeddings, const torch::Tensor& labels,
                                                 const torch::Tensor& rows) {
  loss_ops::check_batch(embeddings, labels);
  loss_ops::check_rows(rows, embeddings.size(0));
  const auto anchors = embeddings.index_select(0, rows);
  const auto anchor_labels = labels.index_select(0, rows);
  const auto pos = loss_ops::positive_mask(anchor_labels, labels, false) & ~loss_ops::self_pairs(rows, labels.size(0));
  const AnchorTerms t = terms(pairwise_similarities(distance(), anchors, embeddings), pos,
                              loss_ops::negative_mask(anchor_labels, labels));
  return {(t.per_anchor * t.valid.to(t.per_anchor.scalar_type())).sum(), t.valid.sum()};
}

MultiSimilarityLoss::AnchorTerms MultiSimilarityLoss::terms(const torch::Tensor& s, const torch::Tensor& pos,
                                                            const torch::Tensor& neg) const {
  // Mining chooses pairs; it is not part of the function being differentiated (as in the paper and
  // pytorch-metric-learning's miner). An anchor without negatives keeps no positive (max over
  // nothing is -inf) and one without positives keeps no negative. Against a memory, the hardest
  // pairs are those among the memory's rows (Wang et al. 2020 mine the memory as they mine a batch).
  torch::Tensor pos_kept, neg_kept;
  {
    torch::NoGradGuard no_grad;
    constexpr double inf = std::numeric_limits<double>::infinity();
    const auto sd = s.detach();
    const auto hardest_negative = sd.masked_fill(~neg, -inf).amax(1, /*keepdim=*/true);
    const auto hardest_positive = sd.masked_fill(~pos, inf).amin(1, /*keepdim=*/true);
    pos_kept = pos & (sd - epsilon_ < hardest_negative);
    neg_kept = neg & (sd + epsilon_ > hardest_positive);
  }
  const auto positive_term = loss_ops::masked_logsumexp(-alpha_ * (s - base_), pos_kept, /*add_one=*/true) / alpha_;
  const auto negative_term = loss_ops::masked_logsumexp(beta_ * (s - base_), neg_kept, /*add_one=*/true) / beta_;
  return {positive_term + negative_term, pos.any(1) & neg.any(1)};
}

}  // namespace sim
