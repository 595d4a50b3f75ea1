#include "train/losses/loss_ops.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "base/error.hpp"

namespace sim::loss_ops {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

void check_batch(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  if (embeddings.dim() != 2 || !embeddings.is_floating_point()) {
    throw Error(
        "", "embeddings",
        "a loss needs a 2-D floating-point [N x D] tensor, got " + std::to_string(embeddings.dim()) + " dimension(s)");
  }
  if (labels.dim() != 1 || labels.is_floating_point() || labels.is_complex() || labels.scalar_type() == torch::kBool) {
    throw Error("", "labels", "a loss needs a 1-D integer [N] tensor of labels");
  }
  if (labels.size(0) != embeddings.size(0)) {
    throw Error("", "labels",
                std::to_string(labels.size(0)) + " labels for " + std::to_string(embeddings.size(0)) + " embeddings");
  }
}

void check_proxy_labels(const torch::Tensor& labels, int64_t num_classes) {
  const auto low = labels.min().item<int64_t>(), high = labels.max().item<int64_t>();
  if (low < 0 || high >= num_classes) {
    throw Error("", "labels",
                "label " + std::to_string(low < 0 ? low : high) + " has no proxy: this loss was made for " +
                    std::to_string(num_classes) + " classes (labels 0.." + std::to_string(num_classes - 1) + ")");
  }
}

void check_references(const torch::Tensor& anchors, const torch::Tensor& anchor_labels, const torch::Tensor& references,
                      const torch::Tensor& reference_labels, bool references_are_anchors) {
  check_batch(anchors, anchor_labels);
  check_batch(references, reference_labels);
  if (references_are_anchors && !(anchors.is_same(references) && anchor_labels.is_same(reference_labels))) {
    throw Error("", "embeddings", "references said to be the anchors must be the anchors' own tensors");
  }
  if (anchors.size(1) != references.size(1) || anchors.scalar_type() != references.scalar_type()) {
    throw Error("", "embeddings",
                "anchors and references must have the same width and type, not " + std::to_string(anchors.size(1)) +
                    " and " + std::to_string(references.size(1)) + " values of " +
                    std::string(c10::toString(anchors.scalar_type())) + " and " +
                    std::string(c10::toString(references.scalar_type())));
  }
}

void check_rows(const torch::Tensor& rows, int64_t n) {
  if (rows.dim() != 1 || rows.scalar_type() != torch::kLong) {
    throw Error("", "rows", "must be a 1-D int64 tensor of row numbers");
  }
  if (rows.numel() > 0 && (rows.min().item<int64_t>() < 0 || rows.max().item<int64_t>() >= n)) {
    throw Error("", "rows", "must be row numbers in [0, " + std::to_string(n) + ")");
  }
}

torch::Tensor self_pairs(const torch::Tensor& rows, int64_t n) {
  const auto columns = torch::arange(n, rows.options());
  return rows.unsqueeze(1) == columns.unsqueeze(0);
}

torch::Tensor positive_mask(const torch::Tensor& labels) { return positive_mask(labels, labels, true); }

torch::Tensor negative_mask(const torch::Tensor& labels) { return negative_mask(labels, labels); }

torch::Tensor positive_mask(const torch::Tensor& anchor_labels, const torch::Tensor& reference_labels,
                            bool references_are_anchors) {
  const auto same = anchor_labels.unsqueeze(1) == reference_labels.unsqueeze(0);
  if (!references_are_anchors) return same;
  const auto n = anchor_labels.size(0);
  return same & ~torch::eye(n, torch::TensorOptions().dtype(torch::kBool).device(anchor_labels.device()));
}

torch::Tensor negative_mask(const torch::Tensor& anchor_labels, const torch::Tensor& reference_labels) {
  return anchor_labels.unsqueeze(1) != reference_labels.unsqueeze(0);
}

torch::Tensor masked_logsumexp(const torch::Tensor& x, const torch::Tensor& mask, bool add_one) {
  const auto masked = x.masked_fill(~mask, -kInf);
  const auto any = mask.any(1, /*keepdim=*/true);
  // Shift by the row's largest kept value (0 for an empty row, and at least 0 with add_one so that
  // exp(-shift) for the "1" cannot overflow). The shift is a constant for autograd: log-sum-exp is
  // shift-invariant, so the gradient is still the softmax.
  auto shift = torch::where(any, masked.amax(1, /*keepdim=*/true), torch::zeros_like(any, x.options()));
  if (add_one) shift = shift.clamp_min(0.0);
  shift = shift.detach();
  // Masked entries are exp(-inf) = 0 with zero gradient (masked_fill cuts them from x's graph).
  auto sum = (masked - shift).exp().sum(1, /*keepdim=*/true);
  // An empty row gets log(1) = 0 without add_one too, so log never sees 0 (whose gradient, even
  // multiplied by the 0 a caller's mask sends back, would be NaN).
  sum = sum + (add_one ? (-shift).exp() : (~any).to(x.scalar_type()));
  return (sum.log() + shift).squeeze(1);
}

torch::Tensor masked_argmax(const torch::Tensor& x, const torch::Tensor& mask) {
  return x.detach().masked_fill(~mask, -kInf).argmax(1);
}

torch::Tensor masked_argmin(const torch::Tensor& x, const torch::Tensor& mask) {
  return x.detach().masked_fill(~mask, kInf).argmin(1);
}

torch::Tensor mean_over(const torch::Tensor& per_row, const torch::Tensor& valid) {
  const auto weight = valid.to(per_row.scalar_type());
  // Divide by at least 1: with no valid row the (zero) sum comes back unchanged and connected.
  return (per_row * weight).sum() / weight.sum().clamp_min(1.0);
}

torch::Tensor connected_zero(const torch::Tensor& t) { return t.sum() * 0.0; }

double spread(const torch::Tensor& rows) {
  torch::NoGradGuard no_grad;
  const torch::Tensor e = rows.detach().to(torch::kFloat64);
  if (e.dim() != 2 || e.size(0) < 2) return 1.0;
  const double scale = e.pow(2).sum(1).mean().item<double>();
  if (!(scale > 0)) return 0.0;
  return std::sqrt(e.var(0, /*unbiased=*/false).sum().item<double>() / scale);
}

double direction_spread(const torch::Tensor& rows) {
  torch::NoGradGuard no_grad;
  if (rows.dim() != 2) return 1.0;
  return spread(torch::nn::functional::normalize(rows.detach().to(torch::kFloat64),
                                                 torch::nn::functional::NormalizeFuncOptions().dim(1)));
}

}  // namespace sim::loss_ops
