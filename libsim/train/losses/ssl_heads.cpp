#include "train/losses/ssl_heads.hpp"

#include <algorithm>
#include <string>

#include "base/error.hpp"

namespace sim {

std::int64_t head_width(std::int64_t dim, std::int64_t requested) {
  if (requested > 0) return requested;
  return std::clamp<std::int64_t>(8 * dim, 256, 8192);
}

torch::nn::Sequential mlp_head(const std::vector<std::int64_t>& sizes, bool last_norm) {
  if (sizes.size() < 2) throw Error("", "--head-width", "a head needs an input and an output size");
  for (const std::int64_t s : sizes) {
    if (s < 1) throw UsageError("head sizes must be positive, not " + std::to_string(s), "--head-width");
  }
  torch::nn::Sequential head;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    const bool last = i + 2 == sizes.size();
    // No bias before a batch norm: the norm's shift makes it redundant (as the papers' code).
    head->push_back(torch::nn::Linear(torch::nn::LinearOptions(sizes[i], sizes[i + 1]).bias(last && !last_norm)));
    if (!last) {
      head->push_back(torch::nn::BatchNorm1d(sizes[i + 1]));
      head->push_back(torch::nn::ReLU());
    } else if (last_norm) {
      head->push_back(torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(sizes[i + 1]).affine(false)));
    }
  }
  return head;
}

}  // namespace sim
