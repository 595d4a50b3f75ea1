#include "train/losses/loss_factory.hpp"

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_self_supervised.hpp"
#include "train/losses/ssl_heads.hpp"

namespace sim {

namespace {

std::shared_ptr<Loss> make_inner_loss(const LossOptions& c, Distance distance, int64_t embedding_dim,
                                      int64_t num_classes) {
  const auto proxies = [&]() {
    if (num_classes < 1 || embedding_dim < 1) {
      throw UsageError("--loss " + c.name +
                           " learns one proxy per class and needs at least one class and one "
                           "embedding dimension (got " +
                           std::to_string(num_classes) + " classes, dimension " + std::to_string(embedding_dim) + ")",
                       "--loss");
    }
  };
  const std::string& n = c.name;
  if (n == "multi_similarity") {
    return std::make_shared<MultiSimilarityLoss>(distance, c.ms_alpha, c.ms_beta, c.ms_base, c.ms_epsilon);
  }
  if (n == "triplet") {
    return std::make_shared<TripletLoss>(distance, c.triplet_margin,
                                         parse_triplet_mining(c.triplet_mining, "--triplet-mining"), c.triplet_soft);
  }
  if (n == "pn") {
    return std::make_shared<PnLoss>(distance, c.pn_margin, parse_triplet_mining(c.pn_mining, "--pn-mining"), c.pn_soft);
  }
  if (n == "circle") return std::make_shared<CircleLoss>(distance, c.circle_m, c.circle_gamma);
  if (n == "soft_nn") return std::make_shared<SoftNearestNeighborLoss>(distance, c.snn_temperature);
  if (n == "contrastive") {
    return std::make_shared<ContrastiveLoss>(distance, c.contrastive_pos_margin, c.contrastive_neg_margin);
  }
  if (n == "arcface") {
    proxies();
    return std::make_shared<ArcFaceLoss>(distance, num_classes, embedding_dim, c.arcface_margin, c.arcface_scale);
  }
  if (n == "cosface") {
    proxies();
    return std::make_shared<CosFaceLoss>(distance, num_classes, embedding_dim, c.cosface_margin, c.cosface_scale);
  }
  if (n == "supcon") return std::make_shared<SupConLoss>(distance, c.supcon_temperature);
  if (n == "proxy_anchor") {
    proxies();
    return std::make_shared<ProxyAnchorLoss>(distance, num_classes, embedding_dim, c.proxy_anchor_alpha,
                                             c.proxy_anchor_delta);
  }
  if (n == "ntxent") return std::make_shared<NtXentLoss>(distance, c.ntxent_temperature);
  const std::int64_t width = head_width(embedding_dim, c.head_width);
  if (n == "simsiam") return std::make_shared<SimSiamLoss>(distance, embedding_dim, width);
  if (n == "byol") return std::make_shared<ByolLoss>(distance, embedding_dim, width, c.byol_momentum, !c.byol_no_predictor);
  if (n == "barlow_twins") return std::make_shared<BarlowTwinsLoss>(distance, embedding_dim, width, c.barlow_twins_lambda);
  if (n == "vicreg") {
    return std::make_shared<VicRegLoss>(distance, embedding_dim, width, c.vicreg_invariance, c.vicreg_variance,
                                        c.vicreg_covariance);
  }
  if (n == "swav") {
    return std::make_shared<SwavLoss>(distance, embedding_dim, width, c.swav_prototypes, c.swav_temperature,
                                      c.swav_epsilon, c.swav_sinkhorn_iterations, c.swav_freeze_steps);
  }
  // validate() accepted the name, so it is in kLosses but has no case above: a bug here.
  throw Error("", "--loss", "loss '" + n + "' is listed but not built");
}

}  // namespace

std::shared_ptr<Loss> make_loss(const LossOptions& c, Distance distance, int64_t embedding_dim, int64_t num_classes) {
  c.validate(distance);
  std::shared_ptr<Loss> loss = make_inner_loss(c, distance, embedding_dim, num_classes);
  // The memory sits right around the pair loss: it keeps what that loss compares (after a
  // --projector, the projections), and with --ssl-weight the supervised loss's both views.
  if (c.xbm_size > 0) {
    loss = std::make_shared<CrossBatchMemoryLoss>(std::move(loss), embedding_dim, c.xbm_size, c.xbm_warmup);
  }
  if (c.ssl_weight > 0) {
    std::shared_ptr<Loss> instance = std::make_shared<NtXentLoss>(distance, c.ssl_temperature);
    if (c.ssl_projector > 0)
      instance = std::make_shared<ProjectedLoss>(std::move(instance), embedding_dim, c.ssl_projector);
    loss = std::make_shared<SupervisedWithInstanceLoss>(std::move(loss), std::move(instance), c.ssl_weight);
  }
  if (c.projector > 0) loss = std::make_shared<ProjectedLoss>(std::move(loss), embedding_dim, c.projector);
  return loss;
}

}  // namespace sim
