// Data-parallel gradients: after every backward, each rank's gradients are summed over the ranks,
// so every rank steps its optimiser with the same gradient: that of the whole batch. Summed, not
// averaged: each rank's loss is the whole batch's loss (train/global_batch.hpp) with only its own
// slice attached to its graph, so the ranks' gradients are the parts of the one gradient a single
// process would compute.
//
// Overlapped with backward, in buckets: the gradients live in one flat buffer laid out in the order
// backward produces them (the loss's parameters, then the network's last layer to its first), cut
// into buckets of about 256 KB. A hook on each parameter copies its gradient in as soon as autograd
// has it; a bucket whose gradients are all in starts its all-reduce on Gloo's threads while
// backward goes on with the layers before. reduce() starts whatever is left (parameters without a
// gradient this step count as zeros), waits for all, and copies the sums back. Two backward
// passes before one reduce() (a hook running twice) make it sum the accumulated gradients again.
//
// The loss's own parameters (ArcFace's and CosFace's class proxies) are the exception: every rank
// computes their whole gradient, so rank 0's is used (the others add zeros).
//
// The first bucket's all-reduce also carries a fingerprint of every rank's weights and
// synchronised buffers as they are during this step's backward, so that weights that drift apart
// (they must stay bit-identical) stop the run at the step after it happened, at no extra round
// trip; check_identical() checks now.
//
// Buffers that each rank's forward changes on its own (the running statistics of batch norms
// inside a TorchScript backbone, which sim's synchronised batch norms cannot reach) are taken from
// rank 0 after every forward, as PyTorch's DistributedDataParallel takes them before every forward
// (broadcast_buffers): share_buffers(). Then they are identical at every fingerprint too.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sim {

class RankGroup;

class GradientSync {
 public:
  // net_params: what the network trains; loss_params: the loss's parameters; state: every tensor
  // that must be identical on all ranks (parameters and synchronised buffers); rank0_buffers: the
  // buffers share_buffers() takes from rank 0, also compared. Registers a hook on each parameter,
  // removed by the destructor.
  GradientSync(RankGroup& ranks, std::vector<torch::Tensor> net_params, std::vector<torch::Tensor> loss_params,
               std::vector<torch::Tensor> state, std::vector<torch::Tensor> rank0_buffers = {});
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // After backward of step `step`: replaces every gradient with the sum over ranks (see above).
  // Throws Error when the weights differed between ranks before this step.
  void reduce(std::int64_t step);

  // After the forward of a step, before its backward: every rank takes rank 0's values of the
  // buffers named at construction (one broadcast; nothing when there are none).
  void share_buffers();

  // Compares the weights of all ranks now (one small all-reduce); throws Error naming `when`.
  void check_identical(const std::string& when);

  // This rank's weights and synchronised buffers, hashed (64-bit FNV-1a over their bytes).
  std::uint64_t fingerprint() const;

 private:
  struct Slot {
    torch::Tensor param;
    std::int64_t offset = 0;  // in flat_
    std::size_t bucket = 0;
    bool zeros = false;   // a loss parameter on a rank other than 0
    bool filled = false;  // its gradient of this step is in flat_
    unsigned hook = 0;
  };
  struct Bucket {
    std::int64_t offset = 0, size = 0;
    std::size_t waiting = 0;  // slots not yet filled this step
    bool started = false;
  };

  void fill(Slot& slot, const torch::Tensor* grad);  // grad null: zeros
  void start(Bucket& bucket);

  RankGroup& ranks_;
  std::vector<torch::Tensor> state_;
  std::vector<torch::Tensor> rank0_buffers_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  torch::Tensor flat_;  // every gradient in backward's order, then the fingerprint, one float per byte
  std::int64_t grad_values_ = 0;
  float fingerprint_[8] = {};
  bool fingerprint_started_ = false;
  bool twice_ = false;  // a hook ran twice for one parameter since the last reduce()
};

}  // namespace sim
