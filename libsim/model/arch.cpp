#include "model/arch.hpp"

#include <algorithm>

#include "base/error.hpp"
#include "model/sync_batch_norm.hpp"

namespace sim {
namespace {

namespace nn = torch::nn;

// conv 3x3 (no bias: batch norm follows) -> batch norm -> ReLU
void conv_bn_relu(nn::Sequential& s, std::int64_t in, std::int64_t out, std::int64_t stride = 1) {
  s->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).stride(stride).bias(false)));
  s->push_back(SyncBatchNorm(out, /*images=*/true));
  s->push_back(nn::ReLU());
}

// TF Similarity's hello-world network: Conv 64 3x3 (valid) -> ReLU -> Dense 64 -> ReLU.
nn::Sequential hello(const ItemShape& in, std::int64_t& features) {
  if (in.height < 3 || in.width < 3) throw UsageError("--arch hello needs images of at least 3x3", "--arch");
  nn::Sequential s;
  s->push_back(nn::Conv2d(nn::Conv2dOptions(in.channels, 64, 3)));
  s->push_back(nn::ReLU());
  s->push_back(nn::Flatten());
  s->push_back(nn::Linear(64 * std::int64_t(in.height - 2) * (in.width - 2), 64));
  s->push_back(nn::ReLU());
  features = 64;
  return s;
}

// The default for small grey images: three conv/BN/ReLU/max-pool stages (32, 64, 128 channels),
// then a 256-wide dense layer. Chosen by measurement on Fashion-MNIST (docs/benchmarks.md).
nn::Sequential small_cnn(const ItemShape& in, std::int64_t& features) {
  if (in.height < 8 || in.width < 8) throw UsageError("--arch small_cnn needs images of at least 8x8", "--arch");
  nn::Sequential s;
  std::int64_t c = in.channels, h = in.height, w = in.width;
  for (std::int64_t out : {32, 64, 128}) {
    conv_bn_relu(s, c, out);
    s->push_back(nn::MaxPool2d(2));
    c = out;
    h /= 2;
    w /= 2;
  }
  s->push_back(nn::Flatten());
  s->push_back(nn::Linear(c * h * w, 256));
  s->push_back(SyncBatchNorm(256, /*images=*/false));
  s->push_back(nn::ReLU());
  features = 256;
  return s;
}

// A ResNet basic block (He et al. 2016): two 3x3 convs with a projection shortcut when the shape
// changes.
class BasicBlockImpl : public nn::Module {
 public:
  BasicBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride) {
    body_ = register_module("body", nn::Sequential());
    conv_bn_relu(body_, in, out, stride);
    body_->push_back(nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    body_->push_back(SyncBatchNorm(out, /*images=*/true));
    if (stride != 1 || in != out) {
      shortcut_ = register_module("shortcut",
                                  nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                                                 SyncBatchNorm(out, /*images=*/true)));
    }
  }
  torch::Tensor forward(torch::Tensor x) {
    const torch::Tensor skip = shortcut_ ? shortcut_->forward(x) : x;
    return torch::relu(body_->forward(x) + skip);
  }

 private:
  nn::Sequential body_{nullptr}, shortcut_{nullptr};
};
TORCH_MODULE(BasicBlock);

// A small ResNet for colour images: stem, three stages of two basic blocks (32, 64, 128 channels;
// stride 2 between stages), global average pooling.
nn::Sequential resnet(const ItemShape& in, std::int64_t& features) {
  if (in.height < 8 || in.width < 8) throw UsageError("--arch resnet needs images of at least 8x8", "--arch");
  nn::Sequential s;
  conv_bn_relu(s, in.channels, 32);
  std::int64_t c = 32;
  for (std::int64_t out : {32, 64, 128}) {
    s->push_back(BasicBlock(c, out, out == 32 ? 1 : 2));
    s->push_back(BasicBlock(out, out, 1));
    c = out;
  }
  s->push_back(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})));
  s->push_back(nn::Flatten());
  features = c;
  return s;
}

// For vector datasets: two 256-wide dense layers with batch norm.
nn::Sequential mlp(const ItemShape& in, std::int64_t& features) {
  nn::Sequential s;
  s->push_back(nn::Linear(in.dim, 256));
  s->push_back(SyncBatchNorm(256, /*images=*/false));
  s->push_back(nn::ReLU());
  s->push_back(nn::Linear(256, 256));
  s->push_back(SyncBatchNorm(256, /*images=*/false));
  s->push_back(nn::ReLU());
  features = 256;
  return s;
}

}  // namespace

EmbeddingNetImpl::EmbeddingNetImpl(const ArchSpec& spec, torch::jit::Module backbone) : spec_(spec) {
  if (spec_.dim < 1)
    throw UsageError("the embedding size must be at least 1, not " + std::to_string(spec_.dim), "--dim");
  const ItemShape& in = spec_.input;
  std::int64_t features = 0;
  if (spec_.arch == "script") {
    script_ = std::move(backbone);
    has_script_ = true;
    features = spec_.script_features;
    // A loaded module's parameters may come without requires_grad (torch.jit.save keeps the flag).
    for (auto p : script_.parameters()) p.set_requires_grad(!spec_.freeze_backbone);
  } else if (spec_.arch == "mlp") {
    if (in.image) throw UsageError("--arch mlp reads vectors; this dataset holds images", "--arch");
    trunk_ = mlp(in, features);
  } else {
    if (!in.image) throw UsageError("--arch " + spec_.arch + " reads images; this dataset holds vectors", "--arch");
    if (spec_.arch == "hello") {
      trunk_ = hello(in, features);
    } else if (spec_.arch == "small_cnn") {
      trunk_ = small_cnn(in, features);
    } else if (spec_.arch == "resnet") {
      trunk_ = resnet(in, features);
    } else {
      std::string valid;
      for (const auto& n : ArchSpec::names()) valid += (valid.empty() ? "" : ", ") + n;
      throw UsageError("unknown architecture '" + spec_.arch + "' (valid: " + valid + ")", "--arch");
    }
  }
  if (trunk_) register_module("trunk", trunk_);
  head_ = register_module("head", torch::nn::Linear(features, spec_.dim));

  const std::size_t n = in.image ? std::size_t(in.channels) : std::size_t(in.dim);
  std::vector<float> mean = spec_.mean, std = spec_.std;
  if (mean.size() != n) mean.assign(n, 0.0f);
  if (std.size() != n) std.assign(n, 1.0f);
  std::vector<float> inv(n);
  std::transform(std.begin(), std.end(), inv.begin(), [](float s) { return s > 0 ? 1.0f / s : 1.0f; });
  const std::vector<std::int64_t> shape =
      in.image ? std::vector<std::int64_t>{1, std::int64_t(n), 1, 1} : std::vector<std::int64_t>{1, std::int64_t(n)};
  mean_ = register_buffer("mean", torch::tensor(mean).reshape(shape));
  inv_std_ = register_buffer("inv_std", torch::tensor(inv).reshape(shape));
}

torch::Tensor EmbeddingNetImpl::forward(torch::Tensor x) {
  x = (x - mean_) * inv_std_;
  if (channels_last_ && x.dim() == 4) x = x.contiguous(at::MemoryFormat::ChannelsLast);
  torch::Tensor features = has_script_ ? script_.forward({x}).toTensor() : trunk_->forward(x);
  if (features.dim() > 2) features = features.flatten(1);
  torch::Tensor e = head_->forward(features);
  if (spec_.distance != Distance::InnerProduct) {
    e = torch::nn::functional::normalize(e, torch::nn::functional::NormalizeFuncOptions().dim(1));
  }
  return e;
}

void EmbeddingNetImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (has_script_) script_.train(on);
}

namespace {

// Folds an eval-mode batch norm into the layer before it: w' = w * g / sqrt(v + eps) per output
// channel, b' = (b - m) * g / sqrt(v + eps) + beta.
template <typename Layer, typename Norm>
void fold(Layer& layer, Norm& norm) {
  torch::NoGradGuard no_grad;
  const auto& o = norm->options;
  const torch::Tensor scale = norm->weight / torch::sqrt(norm->running_var + o.eps());
  torch::Tensor& w = layer->weight;
  std::vector<std::int64_t> shape(std::size_t(w.dim()), 1);
  shape[0] = -1;
  w.mul_(scale.reshape(shape));
  const torch::Tensor bias = layer->bias.defined() ? layer->bias : torch::zeros_like(norm->running_mean);
  const torch::Tensor folded = (bias - norm->running_mean) * scale + norm->bias;
  // forward() reads the member; the registered (undefined) parameter only matters for saving, which
  // never happens after this.
  layer->bias = folded;
}

}  // namespace

void EmbeddingNetImpl::optimize_for_inference() {
  eval();
  if (!trunk_) return;
  std::vector<torch::nn::AnyModule> layers(trunk_->begin(), trunk_->end());
  torch::nn::Sequential fused;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto next = i + 1 < layers.size() ? layers[i + 1].ptr() : nullptr;
    auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(layers[i].ptr());
    auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(layers[i].ptr());
    auto bn = std::dynamic_pointer_cast<SyncBatchNormImpl>(next);
    if (conv && bn) fold(conv, bn);
    if (linear && bn) fold(linear, bn);
    if (conv) {
      torch::NoGradGuard no_grad;
      conv->weight.set_data(conv->weight.contiguous(at::MemoryFormat::ChannelsLast));
      channels_last_ = spec_.input.image;
    }
    fused->push_back(layers[i]);
    if ((conv || linear) && bn) ++i;  // the batch norm is now part of the layer before it
  }
  trunk_ = replace_module("trunk", fused);
}

std::vector<torch::Tensor> EmbeddingNetImpl::trainable_parameters() {
  std::vector<torch::Tensor> params;
  for (const auto& p : parameters()) {
    if (p.requires_grad()) params.push_back(p);
  }
  if (has_script_ && !spec_.freeze_backbone) {
    for (const auto& p : script_.parameters()) params.push_back(p);
  }
  return params;
}

}  // namespace sim
