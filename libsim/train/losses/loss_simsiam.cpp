#include <algorithm>

#include "train/losses/loss_ops.hpp"
#include "train/losses/loss_self_supervised.hpp"
#include "train/losses/ssl_heads.hpp"

namespace sim {

torch::Tensor simsiam_objective(const torch::Tensor& p1, const torch::Tensor& p2, const torch::Tensor& z1,
                                const torch::Tensor& z2) {
  namespace F = torch::nn::functional;
  const auto cos = [](const torch::Tensor& p, const torch::Tensor& z) {
    return F::cosine_similarity(p, z.detach(), F::CosineSimilarityFuncOptions().dim(1)).mean();
  };
  return -(cos(p1, z2) + cos(p2, z1)) / 2;
}

SimSiamLoss::SimSiamLoss(Distance distance, std::int64_t dim, std::int64_t width) : SelfSupervisedLoss("simsiam", distance) {
  projector_ = register_module("projector", mlp_head({dim, width, width, width}, /*last_norm=*/true));
  predictor_ = register_module("predictor", mlp_head({width, std::max<std::int64_t>(1, width / 4), width}));
}

torch::Tensor SimSiamLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& /*labels*/) {
  const ViewPair v = split_views(embeddings, "SimSiam");
  // Each view through the heads on its own, as the paper's code does: the heads' batch norms
  // normalise each view's batch alone.
  const torch::Tensor z1 = projector_->forward(v.first), z2 = projector_->forward(v.second);
  const torch::Tensor p1 = predictor_->forward(z1), p2 = predictor_->forward(z2);
  head_spread_ = loss_ops::direction_spread(z1);
  return simsiam_objective(p1, p2, z1, z2);
}

}  // namespace sim
