#include "train/validation.hpp"

#include <algorithm>
#include <map>

#include "model/torch_distance.hpp"

namespace sim {

RetrievalScores leave_one_out_scores(const torch::Tensor& embeddings, const std::vector<std::int64_t>& labels,
                                     Distance distance) {
  torch::InferenceMode guard;
  RetrievalScores scores;
  const auto n = std::int64_t(labels.size());
  if (n < 2) return scores;
  std::map<std::int64_t, std::size_t> class_size;
  for (auto l : labels) {
    if (l >= 0) ++class_size[l];
  }
  std::size_t max_relevant = 0;
  for (const auto& [label, size] : class_size) max_relevant = std::max(max_relevant, size - 1);
  // The k nearest, k = the largest R, plus one for the query itself.
  const std::int64_t k = std::min<std::int64_t>(n, std::int64_t(max_relevant) + 1);
  const torch::Tensor label_tensor = torch::tensor(labels, torch::kInt64);
  constexpr std::int64_t kBlock = 512;
  std::vector<std::int64_t> ranked;
  for (std::int64_t first = 0; first < n; first += kBlock) {
    const std::int64_t rows = std::min(kBlock, n - first);
    torch::Tensor d = pairwise_distances(distance, embeddings.narrow(0, first, rows), embeddings);
    // Exclude each query from its own neighbours.
    d.index_put_({torch::arange(rows), torch::arange(first, first + rows)}, std::numeric_limits<float>::infinity());
    const torch::Tensor nearest = std::get<1>(d.topk(k, 1, /*largest=*/false, /*sorted=*/true));
    const torch::Tensor neighbour_labels = label_tensor.index({nearest}).contiguous();
    const std::int64_t* nl = neighbour_labels.data_ptr<std::int64_t>();
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t label = labels[std::size_t(first + r)];
      if (label < 0) continue;
      // Drop the last column: it is either the query itself (pushed to infinity) or spare.
      scores.add(nl + r * k, std::size_t(k - 1), label, class_size[label] - 1);
    }
  }
  return scores;
}

}  // namespace sim
