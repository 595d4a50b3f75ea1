// Embedding networks: a trunk chosen by --arch (or a user's TorchScript backbone) under the
// embedding head of TF Similarity's MetricEmbedding (a dense layer to --dim, then L2 normalisation
// for every distance but inner_product, whose point is to keep the norm).
//
// Inputs are float tensors: images N x C x H x W in [0,1], vectors N x D. The network first applies
// its stored preprocessing ((x - mean) / std per channel, or per feature for vectors), so callers
// always feed raw [0,1] pixels or raw features.
#pragma once

#include <torch/script.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/arch_spec.hpp"

namespace sim {

class EmbeddingNetImpl : public torch::nn::Module {
 public:
  // For "script", `backbone` is the loaded TorchScript module; otherwise it is ignored.
  // Throws UsageError for an unknown arch, an arch that cannot read this input (e.g. a CNN on
  // vectors), dim < 1, or an input too small for the arch.
  explicit EmbeddingNetImpl(const ArchSpec& spec, torch::jit::Module backbone = {});

  // x: N x C x H x W (images) or N x D (vectors), raw values. Returns N x dim embeddings,
  // L2-normalised unless the distance is inner_product.
  torch::Tensor forward(torch::Tensor x);

  const ArchSpec& spec() const { return spec_; }
  bool has_script() const { return has_script_; }
  torch::jit::Module& script() { return script_; }
  // Trainable parameters: everything but a frozen backbone.
  std::vector<torch::Tensor> trainable_parameters();
  // Also switches a TorchScript backbone, which is not a registered submodule.
  void train(bool on = true) override;

  // For inference only (sim-embed, sim-query -m), never before saving: folds every batch norm that
  // directly follows a convolution or dense layer of the trunk into that layer's weights, and
  // stores convolution weights channels-last, the layout oneDNN is fastest with here (measured:
  // docs/benchmarks.md). Outputs change only by float rounding. Leaves the network in eval mode.
  void optimize_for_inference();

 private:
  ArchSpec spec_;
  torch::nn::Sequential trunk_{nullptr};
  torch::jit::Module script_;
  bool has_script_ = false;
  torch::nn::Linear head_{nullptr};
  torch::Tensor mean_, inv_std_;  // buffers shaped for broadcasting
  bool channels_last_ = false;    // optimize_for_inference() ran: feed images channels-last
};
TORCH_MODULE(EmbeddingNet);

}  // namespace sim
