#include <string>

#include "base/error.hpp"
#include "model/torch_distance.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

namespace sim {

NtXentLoss::NtXentLoss(Distance distance, double temperature) : Loss("ntxent", distance), temperature_(temperature) {}

namespace {

// Labels are not used (they may be undefined): only the embeddings are checked.
void check_views(const torch::Tensor& embeddings) {
  if (embeddings.dim() != 2 || !embeddings.is_floating_point()) {
    throw Error("", "embeddings", "NT-Xent needs a 2-D floating-point [2B x D] tensor");
  }
  const auto n = embeddings.size(0);
  if (n % 2 != 0) {
    throw Error(
        "", "embeddings",
        "NT-Xent needs two views per item (rows i and i + B), so an even number of rows, not " + std::to_string(n));
  }
}

}  // namespace

torch::Tensor NtXentLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& /*labels*/) {
  check_views(embeddings);
  if (embeddings.size(0) == 0) return loss_ops::connected_zero(embeddings);
  const auto all = torch::TensorOptions().dtype(torch::kLong).device(embeddings.device());
  return row_terms(embeddings, torch::arange(embeddings.size(0), all)).mean();
}

Loss::RowShare NtXentLoss::forward_rows(const torch::Tensor& embeddings, const torch::Tensor& /*labels*/,
                                        const torch::Tensor& rows) {
  check_views(embeddings);
  loss_ops::check_rows(rows, embeddings.size(0));
  return {row_terms(embeddings, rows).sum(), torch::tensor(rows.size(0), torch::kLong)};
}

torch::Tensor NtXentLoss::row_terms(const torch::Tensor& embeddings, const torch::Tensor& rows) const {
  const auto n = embeddings.size(0);
  const auto logits = pairwise_similarities(distance(), embeddings.index_select(0, rows), embeddings) / temperature_;
  const auto other_view = (rows + n / 2).remainder(n);
  // Cross-entropy of each row against its other view, over every row but itself (SimCLR eq. 1).
  return loss_ops::masked_logsumexp(logits, ~loss_ops::self_pairs(rows, n), /*add_one=*/false) -
         logits.gather(1, other_view.unsqueeze(1)).squeeze(1);
}

}  // namespace sim
