#include "train/split_loss.hpp"

#include <vector>

#include "data/batch_loader.hpp"
#include "train/global_batch.hpp"
#include "train/losses/loss_interface.hpp"
#include "train/rank_group.hpp"

namespace sim {

SplitLossStep split_loss_step(RankGroup& ranks, Loss& loss, const torch::Tensor& local, const torch::Tensor& labels,
                              int views, std::size_t batch_size) {
  const auto begin = std::int64_t(rank_slice_begin(batch_size, ranks.rank(), ranks.size()));
  const auto mine = std::int64_t(rank_slice_begin(batch_size, ranks.rank() + 1, ranks.size())) - begin;
  const auto whole = std::int64_t(batch_size);
  // This rank's rows of the gathered batch: its slice of each view.
  std::vector<torch::Tensor> pieces;
  for (int v = 0; v < views; ++v) pieces.push_back(torch::arange(v * whole + begin, v * whole + begin + mine));
  const torch::Tensor rows = torch::cat(pieces);

  SplitLossStep step;
  step.batch = gather_embeddings(ranks, local, views, batch_size).detach();
  const torch::Tensor batch = step.batch.detach().requires_grad_(true);  // the same values, a leaf of its own
  const Loss::RowShare share = loss.forward_rows(batch, labels, rows);
  // A rank whose slice is empty (a batch smaller than the ranks) has no terms: zeros.
  torch::Tensor gradient;
  if (share.sum.requires_grad()) {
    gradient = torch::autograd::grad({share.sum}, {batch}, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                     /*allow_unused=*/true)[0];
  }
  if (!gradient.defined()) gradient = torch::zeros_like(batch);
  // One sum over ranks: every row's gradient, then the term sum and the count.
  torch::Tensor total =
      torch::cat({gradient.reshape({-1}).to(torch::kFloat32), share.sum.detach().reshape({1}).to(torch::kFloat32),
                  share.count.reshape({1}).to(torch::kFloat32)});
  ranks.sum(total);
  const auto n = total.size(0);
  const double count = std::max(1.0, double(total[n - 1].item<float>()));
  step.value = double(total[n - 2].item<float>()) / count;
  const torch::Tensor summed = total.narrow(0, 0, n - 2).reshape(batch.sizes()).to(local.scalar_type());
  step.gradient = summed.index_select(0, rows).div_(count);
  return step;
}

}  // namespace sim
