#include <string>

#include "base/error.hpp"
#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

NtXentLoss::NtXentLoss(Distance distance, double temperature) : Loss("ntxent", distance), temperature_(temperature) {}

torch::Tensor NtXentLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& /*labels*/) {
  // Labels are not used (they may be undefined): only the embeddings are checked.
  if (embeddings.dim() != 2 || !embeddings.is_floating_point()) {
    throw Error("", "embeddings", "NT-Xent needs a 2-D floating-point [2B x D] tensor");
  }
  const auto n = embeddings.size(0);
  if (n % 2 != 0) {
    throw Error(
        "", "embeddings",
        "NT-Xent needs two views per item (rows i and i + B), so an even number of rows, not " + std::to_string(n));
  }
  if (n == 0) return loss_ops::connected_zero(embeddings);
  const auto logits = pairwise_similarities(distance(), embeddings, embeddings) / temperature_;
  const auto rows = torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(embeddings.device()));
  const auto other_view = (rows + n / 2).remainder(n);
  const auto others = rows.unsqueeze(1) != rows.unsqueeze(0);
  // Cross-entropy of each row against its other view, over every row but itself (SimCLR eq. 1).
  const auto per_row = loss_ops::masked_logsumexp(logits, others, /*add_one=*/false) -
                       logits.gather(1, other_view.unsqueeze(1)).squeeze(1);
  return per_row.mean();
}

}  // namespace sim
