// The whole batch's loss computed by the ranks together, each for its own rows only
// (--split-loss on; pytorch-metric-learning's `efficient=True` idea, made exact). Without it every
// rank computes the loss of the whole gathered batch (train/global_batch.hpp): W times the work of
// one. With it, rank r compares only its own anchors with the whole batch (Loss::forward_rows),
// takes the gradient of their terms with respect to every row of the batch, and one all-reduce
// adds the ranks' gradients, term sums and counts: the loss is sum / count over the whole batch,
// and each rank backpropagates its own rows' share of the summed gradient through its network.
// The gradients are those of the whole batch's loss, to float rounding, as without it; the price
// is that all-reduce (rows x dim floats) on each step's critical path.
#pragma once

#include <torch/torch.h>

#include <cstddef>

namespace sim {

class Loss;
class RankGroup;

struct SplitLossStep {
  double value = 0;        // the whole batch's loss
  torch::Tensor batch;     // the whole batch's embeddings, detached
  torch::Tensor gradient;  // d loss / d local: what this rank's local.backward(gradient) takes
};

// local: this rank's embeddings (views x slice rows, as gather_embeddings takes them), with their
// graph; labels: the whole batch's. `loss` must say supports_rows().
SplitLossStep split_loss_step(RankGroup& ranks, Loss& loss, const torch::Tensor& local, const torch::Tensor& labels,
                              int views, std::size_t batch_size);

}  // namespace sim
