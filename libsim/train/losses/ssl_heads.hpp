// The training-only heads of the self-supervised methods (loss_self_supervised.hpp): multi-layer
// perceptrons between the embedding and the loss, owned by the loss (its parameters: optimised,
// checkpointed, synchronised over ranks like class proxies) and never part of the saved model.
//
// The papers size their heads for a ResNet-50's 2,048-d representation (SimSiam's projector 2,048
// wide, Barlow Twins' and VICReg's 8,192, BYOL's 4,096 hidden and 256 out, SwAV's 2,048 and 128).
// sim's representation is the embedding itself (--dim, 64 by default), so the width scales with it:
// 8 x dim, within [256, 8192] (--head-width overrides) — what solo-learn's CIFAR settings give a
// ResNet-18 (512-d: 2,048 wide heads) and wide enough that the projector is never the bottleneck.
// The narrow outputs of BYOL and SwAV (1/16 of the hidden width in the papers) would be 32 values at
// our default, under the embedding's own 64; they are a quarter of the width instead.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace sim {

// The heads' hidden width for an embedding of `dim` values: `requested` when > 0, else 8 x dim
// clamped to [256, 8192].
std::int64_t head_width(std::int64_t dim, std::int64_t requested);

// Linear layers through `sizes` (sizes[0] in, sizes.back() out), each but the last followed by
// BatchNorm1d and ReLU, as every paper's projector. `last_norm`: a BatchNorm1d after the last layer
// too (SimSiam's projector, without affine parameters as its code has it).
torch::nn::Sequential mlp_head(const std::vector<std::int64_t>& sizes, bool last_norm = false);

}  // namespace sim
