// The whole batch on every data-parallel rank, for the loss: rank r computed the embeddings of its
// slice of the batch (data/batch_loader.hpp); the loss must see every rank's, so that positives and
// negatives from every slice count, as pytorch-metric-learning's DistributedLossWrapper does. The
// embeddings are gathered from all ranks in batch order (view by view for two-view losses), with
// this rank's own rows still attached to its graph: backward then gives each rank the gradient of
// the whole batch's loss with respect to its own rows, and the ranks' gradients add up to one
// process's (train/gradient_sync.hpp).
#pragma once

#include <torch/torch.h>

#include <cstddef>

namespace sim {

class RankGroup;

// local: this rank's embeddings, views x slice rows (view 0 of the slice, then view 1), as the
// network returns them for the loader's batch. batch_size: items in the whole batch. Returns the
// whole batch's views x batch_size rows, in the order one process's batch would have them.
torch::Tensor gather_embeddings(RankGroup& ranks, const torch::Tensor& local, int views, std::size_t batch_size);

// The whole batch's labels (int64), from every rank's slice.
torch::Tensor gather_labels(RankGroup& ranks, const torch::Tensor& local, std::size_t batch_size);

}  // namespace sim
