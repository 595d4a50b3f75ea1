#include "train/losses/loss_ops.hpp"
#include "train/losses/loss_self_supervised.hpp"
#include "train/losses/ssl_heads.hpp"

namespace sim {
namespace {

// Each feature to zero mean and unit variance over the batch (biased variance and epsilon 1e-5, as
// the affine-free batch norm of the Barlow Twins code).
torch::Tensor standardise(const torch::Tensor& z) {
  const torch::Tensor mean = z.mean(0, /*keepdim=*/true);
  const torch::Tensor var = z.var(0, /*unbiased=*/false, /*keepdim=*/true);
  return (z - mean) / torch::sqrt(var + 1e-5);
}

}  // namespace

torch::Tensor barlow_twins_objective(const torch::Tensor& z1, const torch::Tensor& z2, double lambda) {
  const torch::Tensor c = standardise(z1).t().matmul(standardise(z2)) / double(z1.size(0));
  const torch::Tensor diagonal = c.diagonal();
  const torch::Tensor on = (1 - diagonal).pow(2).sum();
  const torch::Tensor off = c.pow(2).sum() - diagonal.pow(2).sum();
  return on + lambda * off;
}

BarlowTwinsLoss::BarlowTwinsLoss(Distance distance, std::int64_t dim, std::int64_t width, double lambda)
    : SelfSupervisedLoss("barlow_twins", distance), lambda_(lambda) {
  projector_ = register_module("projector", mlp_head({dim, width, width, width}));
}

torch::Tensor BarlowTwinsLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& /*labels*/) {
  const ViewPair v = split_views(embeddings, "Barlow Twins");
  const torch::Tensor z1 = projector_->forward(v.first);
  head_spread_ = loss_ops::direction_spread(z1);
  return barlow_twins_objective(z1, projector_->forward(v.second), lambda_);
}

}  // namespace sim
