#include <string>

#include "base/error.hpp"
#include "train/losses/loss_ops.hpp"
#include "train/losses/loss_self_supervised.hpp"
#include "train/losses/ssl_heads.hpp"

namespace sim {

torch::Tensor sinkhorn(const torch::Tensor& scores, double epsilon, int iterations) {
  torch::NoGradGuard no_grad;
  const auto b = double(scores.size(0)), k = double(scores.size(1));
  // log Q, normalised to total mass 1; each iteration makes the columns sum to 1/K, then the rows
  // to 1/B (the order of SwAV's code). Log space: exp(score / 0.05) overflows float at score 4.4.
  torch::Tensor log_q = scores.to(torch::kFloat64) / epsilon;
  log_q = log_q - torch::logsumexp(log_q.flatten(), 0);
  for (int i = 0; i < iterations; ++i) {
    log_q = log_q - torch::logsumexp(log_q, 0, /*keepdim=*/true) - std::log(k);
    log_q = log_q - torch::logsumexp(log_q, 1, /*keepdim=*/true) - std::log(b);
  }
  if (iterations == 0) log_q = torch::log_softmax(log_q, 1) - std::log(b);
  return (log_q.exp() * b).to(scores.scalar_type());
}

torch::Tensor swav_objective(const torch::Tensor& s1, const torch::Tensor& s2, double temperature, double epsilon,
                             int iterations) {
  const torch::Tensor q1 = sinkhorn(s1.detach(), epsilon, iterations);
  const torch::Tensor q2 = sinkhorn(s2.detach(), epsilon, iterations);
  const auto cross_entropy = [temperature](const torch::Tensor& q, const torch::Tensor& s) {
    return -(q * torch::log_softmax(s / temperature, 1)).sum(1).mean();
  };
  return (cross_entropy(q1, s2) + cross_entropy(q2, s1)) / 2;
}

SwavLoss::SwavLoss(Distance distance, std::int64_t dim, std::int64_t width, std::int64_t prototypes,
                   double temperature, double epsilon, int iterations, std::int64_t freeze_steps)
    : SelfSupervisedLoss("swav", distance),
      temperature_(temperature),
      epsilon_(epsilon),
      iterations_(iterations),
      freeze_steps_(freeze_steps) {
  const std::int64_t out = std::max<std::int64_t>(1, width / 4);
  projector_ = register_module("projector", mlp_head({dim, width, out}));
  // Unit rows from the start; begin_step keeps them so (the paper's code renormalises every step).
  prototypes_ = register_parameter(
      "prototypes", torch::nn::functional::normalize(torch::randn({prototypes, out}),
                                                     torch::nn::functional::NormalizeFuncOptions().dim(1)));
}

void SwavLoss::begin_step(std::int64_t step, std::int64_t steps_per_epoch, std::int64_t /*total*/) {
  torch::NoGradGuard no_grad;
  prototypes_.copy_(torch::nn::functional::normalize(prototypes_, torch::nn::functional::NormalizeFuncOptions().dim(1)));
  // Frozen prototypes take no gradient, so the optimiser leaves them (and their moments) alone.
  frozen_ = step < (freeze_steps_ > 0 ? freeze_steps_ : steps_per_epoch);
}

torch::Tensor SwavLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& /*labels*/) {
  const ViewPair v = split_views(embeddings, "SwAV");
  namespace F = torch::nn::functional;
  const auto unit = F::NormalizeFuncOptions().dim(1);
  const torch::Tensor c = frozen_ ? prototypes_.detach() : prototypes_;
  const torch::Tensor z1 = F::normalize(projector_->forward(v.first), unit);
  head_spread_ = loss_ops::direction_spread(z1);
  const torch::Tensor s1 = z1.matmul(c.t());
  const torch::Tensor s2 = F::normalize(projector_->forward(v.second), unit).matmul(c.t());
  return swav_objective(s1, s2, temperature_, epsilon_, iterations_);
}

}  // namespace sim
