#include <algorithm>
#include <cmath>

#include <string>

#include "base/error.hpp"
#include "model/arch.hpp"
#include "train/losses/loss_ops.hpp"
#include "train/losses/loss_self_supervised.hpp"
#include "train/losses/ssl_heads.hpp"

namespace sim {

torch::Tensor byol_objective(const torch::Tensor& p1, const torch::Tensor& p2, const torch::Tensor& z1,
                             const torch::Tensor& z2) {
  namespace F = torch::nn::functional;
  const auto cos = [](const torch::Tensor& p, const torch::Tensor& z) {
    return F::cosine_similarity(p, z.detach(), F::CosineSimilarityFuncOptions().dim(1)).mean();
  };
  // ||p/|p| - z/|z|||^2 = 2 - 2 cos(p, z), for each of the two symmetric pairs (the paper's L + L~).
  return 2 * (2 - cos(p1, z2) - cos(p2, z1));
}

ByolLoss::ByolLoss(Distance distance, std::int64_t dim, std::int64_t width, double base_momentum, bool predictor)
    : SelfSupervisedLoss("byol", distance), base_momentum_(base_momentum) {
  const std::int64_t out = std::max<std::int64_t>(1, width / 4);
  projector_ = register_module("projector", mlp_head({dim, width, out}));
  // The identity in place of the predictor: the ablation that collapses (see the header).
  predictor_ = register_module("predictor", predictor ? mlp_head({out, width, out}) : torch::nn::Sequential(torch::nn::Identity()));
  target_projector_ = register_module("target_projector", mlp_head({dim, width, out}));
  // The target starts as a copy of the online projector and is moved only by update_target.
  torch::NoGradGuard no_grad;
  const auto online = projector_->parameters(), target = target_projector_->parameters();
  for (std::size_t i = 0; i < online.size(); ++i) {
    target[i].copy_(online[i]);
    target[i].set_requires_grad(false);
  }
}

torch::Tensor ByolLoss::forward(const torch::Tensor& /*embeddings*/, const torch::Tensor& /*labels*/) {
  throw Error("", "--loss", "BYOL needs its target network's embeddings (forward_with_target)");
}

torch::Tensor ByolLoss::forward_with_target(const torch::Tensor& online, const torch::Tensor& target) {
  const ViewPair o = split_views(online, "BYOL");
  const ViewPair t = split_views(target, "BYOL");
  if (target.sizes() != online.sizes()) {
    throw Error("", "embeddings", "BYOL's target embeddings must have the online ones' shape");
  }
  const torch::Tensor z = projector_->forward(o.first);
  head_spread_ = loss_ops::direction_spread(z);
  const torch::Tensor p1 = predictor_->forward(z);
  const torch::Tensor p2 = predictor_->forward(projector_->forward(o.second));
  torch::Tensor z1, z2;
  {
    torch::NoGradGuard no_grad;
    z1 = target_projector_->forward(t.first);
    z2 = target_projector_->forward(t.second);
  }
  return byol_objective(p1, p2, z1, z2);
}

double ByolLoss::target_momentum(std::int64_t step, std::int64_t total) const {
  constexpr double kPi = 3.14159265358979323846;
  const double progress = total > 0 ? double(std::min(step, total)) / double(total) : 1.0;
  return 1.0 - (1.0 - base_momentum_) * (std::cos(kPi * progress) + 1.0) / 2.0;
}

void ByolLoss::set_online_network(const std::shared_ptr<torch::nn::Module>& online) {
  auto net = std::dynamic_pointer_cast<EmbeddingNetImpl>(online);
  if (!net) throw Error("", "--loss", "BYOL's online network must be an embedding network");
  // The first call makes the target, a copy of `online`; a later one (a resumed run's network, whose
  // target the checkpoint restores) only points the average at the new online network.
  const bool fresh = !target_;
  if (fresh) {
    // A TorchScript trunk is not a registered submodule: the copy gets a clone of it, and its
    // tensors are registered here by hand so they are checkpointed and broadcast with the rest.
    torch::jit::Module script = net->has_script() ? net->script().clone() : torch::jit::Module();
    auto target = std::make_shared<EmbeddingNetImpl>(net->spec(), script);
    register_module("target_network", target);
    if (target->has_script()) {
      int i = 0;
      for (const auto& p : target->script().parameters()) {
        register_parameter("target_script_" + std::to_string(i++), p, /*requires_grad=*/false);
      }
    }
    target_ = target;
  }
  online_ = net;
  auto& target = static_cast<EmbeddingNetImpl&>(*target_);
  std::vector<torch::Tensor> from = net->parameters(), to = target.parameters();
  std::vector<torch::Tensor> from_buffers = net->buffers(), to_buffers = target.buffers();
  if (net->has_script()) {
    for (const auto& p : net->script().parameters()) from.push_back(p);
    for (const auto& p : target.script().parameters()) to.push_back(p);
    for (const auto& b : net->script().buffers()) from_buffers.push_back(b);
    for (const auto& b : target.script().buffers()) to_buffers.push_back(b);
  }
  torch::NoGradGuard no_grad;
  averaged_.clear();
  copied_.clear();
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (fresh) to[i].copy_(from[i]);
    to[i].set_requires_grad(false);
    averaged_.emplace_back(from[i], to[i]);
  }
  for (std::size_t i = 0; i < from_buffers.size(); ++i) {
    if (fresh) to_buffers[i].copy_(from_buffers[i]);
    copied_.emplace_back(from_buffers[i], to_buffers[i]);
  }
  // The projector pair, averaged the same way.
  const auto online_projector = projector_->parameters(), target_projector = target_projector_->parameters();
  for (std::size_t i = 0; i < online_projector.size(); ++i) {
    averaged_.emplace_back(online_projector[i], target_projector[i]);
  }
}

torch::nn::Module* ByolLoss::target_network() { return target_.get(); }

torch::Tensor ByolLoss::target_embeddings(const torch::Tensor& inputs) {
  if (!target_) throw Error("", "--loss", "BYOL's target network was not set (set_online_network)");
  torch::NoGradGuard no_grad;
  target_->train(online_->is_training());  // batch statistics in training, as the online network
  return std::static_pointer_cast<EmbeddingNetImpl>(target_)->forward(inputs);
}

void ByolLoss::update_target(std::int64_t step, std::int64_t total) {
  const double tau = target_momentum(step, total);
  torch::NoGradGuard no_grad;
  for (auto& [online, target] : averaged_) target.mul_(tau).add_(online, 1.0 - tau);
  // Batch-norm statistics are not used in training mode; copied so an evaluation would match.
  for (auto& [online, target] : copied_) target.copy_(online);
}

}  // namespace sim
