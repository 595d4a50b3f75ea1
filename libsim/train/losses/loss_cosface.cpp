#include "train/losses/loss_implementations.hpp"

namespace sim {

CosFaceLoss::CosFaceLoss(Distance distance, int64_t num_classes, int64_t embedding_dim, double margin, double scale)
    : ProxyMarginLoss("cosface", distance, num_classes, embedding_dim, scale), margin_(margin) {}

torch::Tensor CosFaceLoss::target_logit(const torch::Tensor& cosine) const { return cosine - margin_; }

}  // namespace sim
