#include "train/global_batch.hpp"

#include <vector>

#include "data/batch_loader.hpp"
#include "train/rank_group.hpp"

namespace sim {
namespace {

// Every rank's slice, padded to the largest slice (Gloo gathers tensors of one shape), then cut
// back and put in batch order; this rank's pieces are taken from `local` itself, keeping its graph.
torch::Tensor gather_rows(RankGroup& ranks, const torch::Tensor& local, int views, std::size_t batch_size) {
  const int world = ranks.size();
  std::vector<std::int64_t> sizes;
  std::int64_t largest = 0;
  for (int r = 0; r < world; ++r) {
    sizes.push_back(std::int64_t(rank_slice_begin(batch_size, r + 1, world) - rank_slice_begin(batch_size, r, world)));
    largest = std::max(largest, sizes.back());
  }
  const std::int64_t mine = sizes[std::size_t(ranks.rank())];
  std::vector<std::int64_t> shape = local.sizes().vec();
  const std::vector<std::int64_t> row_shape(shape.begin() + 1, shape.end());
  std::vector<std::int64_t> padded_shape{views, largest};
  padded_shape.insert(padded_shape.end(), row_shape.begin(), row_shape.end());
  torch::Tensor padded = torch::zeros(padded_shape, local.options());
  {
    torch::NoGradGuard no_grad;
    std::vector<std::int64_t> view_shape{views, mine};
    view_shape.insert(view_shape.end(), row_shape.begin(), row_shape.end());
    padded.narrow(1, 0, mine).copy_(local.detach().reshape(view_shape));
  }
  const std::vector<torch::Tensor> all = ranks.all_gather(padded);
  std::vector<torch::Tensor> pieces;
  for (int v = 0; v < views; ++v) {
    for (int r = 0; r < world; ++r) {
      pieces.push_back(r == ranks.rank() ? local.narrow(0, v * mine, mine)
                                         : all[std::size_t(r)][v].narrow(0, 0, sizes[std::size_t(r)]));
    }
  }
  return torch::cat(pieces);
}

}  // namespace

torch::Tensor gather_embeddings(RankGroup& ranks, const torch::Tensor& local, int views, std::size_t batch_size) {
  return gather_rows(ranks, local, views, batch_size);
}

torch::Tensor gather_labels(RankGroup& ranks, const torch::Tensor& local, std::size_t batch_size) {
  return gather_rows(ranks, local, 1, batch_size);
}

}  // namespace sim
