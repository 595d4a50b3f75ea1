#include "train/losses/loss_ops.hpp"
#include "train/losses/loss_self_supervised.hpp"
#include "train/losses/ssl_heads.hpp"

namespace sim {
namespace {

// mean_j [1 - sqrt(Var(z_j) + 1e-4)]_+ over the features (unbiased variance over the batch).
torch::Tensor variance_term(const torch::Tensor& z) {
  return torch::relu(1 - torch::sqrt(z.var(0, /*unbiased=*/true) + 1e-4)).mean();
}

// sum_{i != j} Cov(z)_ij^2 / width (unbiased covariance over the batch).
torch::Tensor covariance_term(const torch::Tensor& z) {
  const torch::Tensor centred = z - z.mean(0, /*keepdim=*/true);
  const torch::Tensor cov = centred.t().matmul(centred) / double(z.size(0) - 1);
  return (cov.pow(2).sum() - cov.diagonal().pow(2).sum()) / double(z.size(1));
}

}  // namespace

torch::Tensor vicreg_objective(const torch::Tensor& z1, const torch::Tensor& z2, double invariance, double variance,
                               double covariance) {
  const torch::Tensor s = torch::nn::functional::mse_loss(z1, z2);
  const torch::Tensor v = (variance_term(z1) + variance_term(z2)) / 2;
  const torch::Tensor c = covariance_term(z1) + covariance_term(z2);
  return invariance * s + variance * v + covariance * c;
}

VicRegLoss::VicRegLoss(Distance distance, std::int64_t dim, std::int64_t width, double invariance, double variance,
                       double covariance)
    : SelfSupervisedLoss("vicreg", distance), invariance_(invariance), variance_(variance), covariance_(covariance) {
  projector_ = register_module("projector", mlp_head({dim, width, width, width}));
}

torch::Tensor VicRegLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& /*labels*/) {
  const ViewPair v = split_views(embeddings, "VICReg");
  const torch::Tensor z1 = projector_->forward(v.first);
  head_spread_ = loss_ops::direction_spread(z1);
  return vicreg_objective(z1, projector_->forward(v.second), invariance_, variance_, covariance_);
}

}  // namespace sim
