#include "model/torch_distance.hpp"

#include <string>

#include "base/error.hpp"

namespace sim {
namespace {

void check_operands(const torch::Tensor& a, const torch::Tensor& b) {
  const auto shape = [](const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? " x " : "") + std::to_string(t.size(i));
    return s + "]";
  };
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1)) {
    throw Error("", "embeddings",
                "pairwise distances need [N x D] and [M x D] tensors, not " + shape(a) + " and " + shape(b));
  }
  if (!a.is_floating_point() || !b.is_floating_point()) {
    throw Error("", "embeddings", "pairwise distances need floating-point tensors");
  }
}

// |a_i - b_j|^2 through one matrix product (the N x M x D difference tensor would not fit for
// large batches). Rounding can make it slightly negative when a_i ~ b_j: clamp at 0.
torch::Tensor squared_euclidean(const torch::Tensor& a, const torch::Tensor& b) {
  const auto aa = a.pow(2).sum(1, /*keepdim=*/true);
  const auto bb = b.pow(2).sum(1, /*keepdim=*/true).t();
  return (aa + bb - 2.0 * torch::mm(a, b.t())).clamp_min(0.0);
}

}  // namespace

torch::Tensor pairwise_distances(Distance d, const torch::Tensor& a, const torch::Tensor& b) {
  check_operands(a, b);
  switch (d) {
    case Distance::Cosine: {
      // normalize divides by max(|x|, eps): a zero row stays zero, so its cosine is 0 and its
      // distance 1, as sim::distance defines it.
      namespace F = torch::nn::functional;
      const auto options = F::NormalizeFuncOptions().p(2).dim(1).eps(1e-12);
      return 1.0 - torch::mm(F::normalize(a, options), F::normalize(b, options).t());
    }
    case Distance::Euclidean: {
      // sqrt's gradient 1 / (2 sqrt(x)) is infinite at 0, where the diagonal of a batch's own
      // distance matrix always is: below 1e-12 (rounding noise of the product form anyway) the
      // distance is 0 with zero gradient, and sqrt only ever sees values it differentiates finitely.
      const auto squared = squared_euclidean(a, b);
      const auto apart = squared > 1e-12;
      return torch::where(apart, torch::where(apart, squared, torch::ones_like(squared)).sqrt(),
                          torch::zeros_like(squared));
    }
    case Distance::SquaredEuclidean:
      return squared_euclidean(a, b);
    case Distance::InnerProduct:
      return 1.0 - torch::mm(a, b.t());
    case Distance::Manhattan:
      return torch::cdist(a, b, /*p=*/1.0);
  }
  throw Error("", "distance", "unknown distance");  // unreachable: every enumerator is handled above
}

torch::Tensor pairwise_similarities(Distance d, const torch::Tensor& a, const torch::Tensor& b) {
  return 1.0 - pairwise_distances(d, a, b);
}

}  // namespace sim
