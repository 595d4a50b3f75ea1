// Batch norm that, in data-parallel training, normalises with the statistics of the whole batch
// across ranks (Ioffe & Szegedy 2015; PyTorch's SyncBatchNorm does the same on GPUs), so that W
// ranks holding slices of a batch train exactly as one process holding all of it, running
// statistics included. Without ranks attached (one process, inference) it is LibTorch's batch norm,
// so networks, their parameter names and their model files are the same either way.
//
// The cross-rank sum is an interface, so that model/ does not depend on the process group: the
// trainer's RankGroup (train/rank_group.hpp) implements it over c10d.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <ostream>

namespace sim {

// Sums a tensor, in place, over every rank of the job; every rank calls it in the same order.
class CrossRankSum {
 public:
  virtual ~CrossRankSum() = default;
  virtual void sum(torch::Tensor& t) = 0;
};

// LibTorch's BatchNorm1d (images = false: N x C or N x C x L inputs) or BatchNorm2d (images:
// N x C x H x W), with the same options, parameters and buffers under the same names, so model
// files cannot tell them apart. (Not a subclass of LibTorch's: libtorch_cpu does not export the
// base class members a subclass's vtable would name.)
class SyncBatchNormImpl : public torch::nn::Cloneable<SyncBatchNormImpl> {
 public:
  SyncBatchNormImpl(std::int64_t features, bool images);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  torch::nn::BatchNormOptions options;
  bool images = false;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
  std::shared_ptr<CrossRankSum> ranks;  // set by attach_ranks; null: plain batch norm
};
TORCH_MODULE(SyncBatchNorm);

// Attaches `ranks` to every synchronised batch norm in `net` (null detaches them) and returns how
// many there are. Batch norms inside a TorchScript backbone are not among them: they normalise
// each rank's slice alone.
std::size_t attach_ranks(torch::nn::Module& net, const std::shared_ptr<CrossRankSum>& ranks);

}  // namespace sim
