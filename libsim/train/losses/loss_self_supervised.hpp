// The self-supervised methods beside SimCLR's NT-Xent (loss_implementations.hpp): each learns from
// two augmented views of every item without labels. Embeddings [2B x D]: rows i and i + B are the
// two views of item i (data/augment.hpp); labels are ignored. Each method owns its training-only
// heads (ssl_heads.hpp, W = head_width(D)): they are the loss's parameters, dropped from the saved
// model. Each paper's defaults are given beside its class and are the flags' defaults
// (loss_options.hpp). Every method needs at least 2 items per batch (its batch norms and batch
// statistics are undefined on one): min_items().
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "train/losses/loss_interface.hpp"

namespace sim {

// The two views of a [2B x D] batch, after checking its shape (Error, field "embeddings", naming
// `method`, for a tensor that is not 2-D floating point or has an odd number of rows).
struct ViewPair {
  torch::Tensor first, second;
};
ViewPair split_views(const torch::Tensor& embeddings, const char* method);

// The methods' objectives on their heads' outputs (view 1, view 2), as the classes below compute
// them: exposed so tests check each formula on known values apart from the heads.
//   simsiam_objective     -(cos(p1, sg(z2)) + cos(p2, sg(z1))) / 2, batch-averaged cosines
//   byol_objective        2 (2 - cos(p1, z2) - cos(p2, z1)), z without gradient
//   barlow_twins_objective, vicreg_objective: as their classes' comments
//   swav_objective        on prototype scores s1, s2: the swapped prediction with Sinkhorn codes
torch::Tensor simsiam_objective(const torch::Tensor& p1, const torch::Tensor& p2, const torch::Tensor& z1,
                                const torch::Tensor& z2);
torch::Tensor byol_objective(const torch::Tensor& p1, const torch::Tensor& p2, const torch::Tensor& z1,
                             const torch::Tensor& z2);
torch::Tensor barlow_twins_objective(const torch::Tensor& z1, const torch::Tensor& z2, double lambda);
torch::Tensor vicreg_objective(const torch::Tensor& z1, const torch::Tensor& z2, double invariance, double variance,
                               double covariance);
torch::Tensor swav_objective(const torch::Tensor& s1, const torch::Tensor& s2, double temperature, double epsilon,
                             int iterations);

// What the methods with heads share: two views, their heads as the loss's parameters, at least
// 2 items, and the spread of the projections their last forward compared (direction_spread).
class SelfSupervisedLoss : public Loss {
 public:
  using Loss::Loss;
  bool needs_two_views() const override { return true; }
  bool has_parameters() const override { return true; }
  std::int64_t min_items() const override { return 2; }
  double head_spread() const override { return head_spread_; }

 protected:
  double head_spread_ = -1;
};

// SimSiam: Chen, He, "Exploring Simple Siamese Representation Learning", CVPR 2021.
//   z = projector(x) (3 layers, W wide, a batch norm on the output), p = predictor(z) (W -> W/4 ->
//   W, the paper's 2048 -> 512 -> 2048 bottleneck), L = -(cos(p1, sg(z2)) + cos(p2, sg(z1))) / 2,
//   each cosine averaged over the batch; sg = stop-gradient, without which it collapses (sec. 4.1).
// The loss lies in [-1, 1]; -1 when every prediction points where the other view's projection does.
class SimSiamLoss : public SelfSupervisedLoss {
 public:
  SimSiamLoss(Distance distance, std::int64_t dim, std::int64_t width);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

 private:
  torch::nn::Sequential projector_{nullptr}, predictor_{nullptr};
};

// Barlow Twins: Zbontar, Jing, Misra, LeCun, Deny, "Barlow Twins: Self-Supervised Learning via
// Redundancy Reduction", ICML 2021.
//   z = projector(x) (3 layers, W wide: the paper's 8192-8192-8192), each view's z normalised along
//   the batch (zero mean, unit variance per feature, biased variance as its batch norm),
//   C = z1^T z2 / B  (W x W cross-correlation),
//   L = sum_i (1 - C_ii)^2 + lambda sum_{i != j} C_ij^2.
// Default lambda 0.0051 (the paper's 5e-3, as its released code sets it).
class BarlowTwinsLoss : public SelfSupervisedLoss {
 public:
  BarlowTwinsLoss(Distance distance, std::int64_t dim, std::int64_t width, double lambda);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

 private:
  torch::nn::Sequential projector_{nullptr};
  double lambda_;
};

// VICReg: Bardes, Ponce, LeCun, "VICReg: Variance-Invariance-Covariance Regularization for
// Self-Supervised Learning", ICLR 2022.
//   z = projector(x) (3 layers, W wide: the paper's 8192-8192-8192),
//   invariance  s = mean over elements of (z1 - z2)^2
//   variance    v = (mean_j [1 - S(z1_j)]_+ + mean_j [1 - S(z2_j)]_+) / 2, S = sqrt(Var + 1e-4),
//               unbiased variance over the batch, per feature j (gamma = 1, epsilon = 1e-4)
//   covariance  c = (sum_{i != j} Cov(z1)_ij^2 + sum_{i != j} Cov(z2)_ij^2) / W, Cov unbiased
//   L = lambda s + mu v + nu c.  Defaults lambda = mu = 25, nu = 1 (the paper's).
class VicRegLoss : public SelfSupervisedLoss {
 public:
  VicRegLoss(Distance distance, std::int64_t dim, std::int64_t width, double invariance, double variance,
             double covariance);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

 private:
  torch::nn::Sequential projector_{nullptr};
  double invariance_, variance_, covariance_;
};

// The Sinkhorn-Knopp equipartition of SwAV (Caron et al. 2020, algorithm 1 and its code): from
// scores [B x K], Q = exp(scores / epsilon) rescaled `iterations` times so that every prototype
// (column) holds 1/K of the mass and every item (row) 1/B, then multiplied by B so each row is a
// distribution over the prototypes. Computed in log space (no overflow at small epsilon), without
// gradient. iterations 0: the plain softmax over prototypes, which lets every item take the same one.
torch::Tensor sinkhorn(const torch::Tensor& scores, double epsilon, int iterations);

// SwAV: Caron, Misra, Mairal, Goyal, Bojanowski, Joulin, "Unsupervised Learning of Visual
// Features by Contrasting Cluster Assignments", NeurIPS 2020.
//   z = normalise(projector(x)) (W -> W/4, the paper's 2048 -> 128), K prototypes c_k (unit rows,
//   renormalised before every step), scores s = z c^T; codes q = sinkhorn(s) of each view (no
//   gradient); swapped prediction
//   L = -(sum_k q1_k log softmax(s2 / T)_k + sum_k q2_k log softmax(s1 / T)_k) / 2, averaged over B.
// Defaults (the paper's ImageNet settings): K = 3000, T = 0.1, epsilon = 0.05, 3 Sinkhorn
// iterations; the prototypes frozen for the first `freeze_steps` steps (its code: the first epoch's
// iterations; here 0 = the first epoch, set by the trainer through begin_step). Multi-crop is left
// out: the network's input size is fixed, and at 28 pixels the papers' 96-pixel crops have no
// analogue worth their cost.
class SwavLoss : public SelfSupervisedLoss {
 public:
  SwavLoss(Distance distance, std::int64_t dim, std::int64_t width, std::int64_t prototypes, double temperature,
           double epsilon, int iterations, std::int64_t freeze_steps);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  void begin_step(std::int64_t step, std::int64_t steps_per_epoch, std::int64_t total) override;

 private:
  torch::nn::Sequential projector_{nullptr};
  torch::Tensor prototypes_;
  double temperature_, epsilon_;
  int iterations_;
  std::int64_t freeze_steps_;
  bool frozen_ = false;
};

// BYOL: Grill, Strub, Altché, Tallec, Richemond, Buchatskaya, Doersch, Avila Pires, Guo, Gheshlaghi
// Azar, Piot, Kavukcuoglu, Munos, Valko, "Bootstrap Your Own Latent", NeurIPS 2020.
//   online:  z = projector(x) (W -> W/4), p = predictor(z) (W/4 -> W -> W/4)
//   target:  z' = projector'(x') where x' comes from the target network (an exponential moving
//            average of the online network, kept by the trainer) and projector' the moving average
//            of the projector, kept here; no gradient flows into the target.
//   L = sum over the two (online view, target other view) pairs of mean_i ||p_i/|p_i| - z'_j/|z'_j|||^2
//     = 2 (2 - cos(p1, z2') - cos(p2, z1')), batch-averaged cosines.
// The moving average's decay tau rises from tau_base to 1 as 1 - (1 - tau_base)(cos(pi k / K) + 1)/2
// over the K steps (the paper's schedule), tau_base = 0.996 (its default). predictor_hidden 0 drops
// the predictor: the paper's ablation (table 5b) that collapses, kept to show collapse detection.
class ByolLoss : public SelfSupervisedLoss {
 public:
  ByolLoss(Distance distance, std::int64_t dim, std::int64_t width, double base_momentum, bool predictor);
  // Not used: BYOL needs the target network's embeddings (forward_with_target). Throws Error.
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

  bool needs_target_network() const override { return true; }
  // `online` must be an EmbeddingNetImpl (model/arch.hpp); the target is its copy.
  void set_online_network(const std::shared_ptr<torch::nn::Module>& online) override;
  torch::nn::Module* target_network() override;
  torch::Tensor target_embeddings(const torch::Tensor& inputs) override;
  torch::Tensor forward_with_target(const torch::Tensor& online, const torch::Tensor& target) override;
  // target <- tau target + (1 - tau) online, for the network and the projector, tau at `step`.
  void update_target(std::int64_t step, std::int64_t total) override;
  // tau at `step` of `total` (above).
  double target_momentum(std::int64_t step, std::int64_t total) const;

 private:
  torch::nn::Sequential projector_{nullptr}, predictor_{nullptr}, target_projector_{nullptr};
  std::shared_ptr<torch::nn::Module> online_, target_;  // EmbeddingNetImpl
  // (online, target) tensor pairs the average moves: parameters, then buffers.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> averaged_, copied_;
  double base_momentum_;
};

}  // namespace sim
