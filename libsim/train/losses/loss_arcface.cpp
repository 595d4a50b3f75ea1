#include <cmath>

#include "train/losses/loss_implementations.hpp"

namespace sim {

ArcFaceLoss::ArcFaceLoss(Distance distance, int64_t num_classes, int64_t embedding_dim, double margin, double scale)
    : ProxyMarginLoss("arcface", distance, num_classes, embedding_dim, scale), margin_(margin) {}

torch::Tensor ArcFaceLoss::target_logit(const torch::Tensor& cosine) const {
  // cos(theta + m) = cos(theta) cos(m) - sin(theta) sin(m), without acos: acos' gradient is
  // infinite at +-1. The clamp keeps sqrt's gradient finite where sin(theta) = 0.
  const auto sine = (1.0 - cosine * cosine).clamp_min(1e-12).sqrt();
  const auto with_margin = cosine * std::cos(margin_) - sine * std::sin(margin_);
  // Past theta = pi - m, cos(theta + m) would rise again as theta grows (rewarding a worse angle);
  // insightface switches to the linear penalty cos(theta) - m sin(m) there.
  const auto fallback = cosine - margin_ * std::sin(margin_);
  return torch::where(cosine > -std::cos(margin_), with_margin, fallback);  // -cos(m) = cos(pi - m)
}

}  // namespace sim
