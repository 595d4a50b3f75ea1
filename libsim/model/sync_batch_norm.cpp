#include "model/sync_batch_norm.hpp"

#include <algorithm>
#include <vector>

namespace sim {
namespace {

// Training-mode batch norm with the batch statistics of all ranks, as one autograd function over
// LibTorch's fused kernels (a composition of tensor ops, tried first, trained 2 ranks at 700
// images/s, this at 740: docs/benchmarks.md):
//   forward   this rank's per-channel mean and variance (one pass), turned into sums and added
//             over the ranks in double (E[x^2] - E[x]^2 cancels badly in float), then the affine
//             normalisation with the whole batch's mean and variance (eval-mode batch_norm, one
//             pass), and the running statistics updated as LibTorch updates them;
//   backward  this rank's sums of dy and dy * x_hat (native_batch_norm_backward's reductions, one
//             pass), added over the ranks, then dx = w * invstd * (dy - sum(dy) / N - x_hat *
//             sum(dy * x_hat) / N) with the whole batch's sums, computed as dy * k + x * b + c.
// The weight and bias gradients returned are this rank's parts: the trainer sums them over ranks.
class BatchNormOverRanks : public torch::autograd::Function<BatchNormOverRanks> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias, SyncBatchNormImpl* bn) {
    const std::int64_t channels = x.size(1);
    std::vector<std::int64_t> dims;
    for (std::int64_t d = 0; d < x.dim(); ++d) {
      if (d != 1) dims.push_back(d);
    }
    const double local_count = double(x.numel() / std::max<std::int64_t>(1, channels));
    const auto [local_var, local_mean] = torch::var_mean(x, dims, /*unbiased=*/false);
    const torch::Tensor m = local_mean.to(torch::kFloat64), v = local_var.to(torch::kFloat64);
    torch::Tensor stats =
        torch::cat({m * local_count, (v + m * m) * local_count, torch::full({1}, local_count, torch::kFloat64)});
    bn->ranks->sum(stats);
    const double count = stats[2 * channels].item<double>();
    const torch::Tensor mean = stats.narrow(0, 0, channels) / count;
    const torch::Tensor var = (stats.narrow(0, channels, channels) / count - mean * mean).clamp_min(0);
    const auto& o = bn->options;
    const torch::Tensor mean_f = mean.to(torch::kFloat32), var_f = var.to(torch::kFloat32);
    const torch::Tensor invstd_f = torch::rsqrt(var + o.eps()).to(torch::kFloat32);
    const torch::Tensor y = torch::batch_norm(x, weight, bias, mean_f, var_f, /*training=*/false, 0.0, o.eps(),
                                              /*cudnn_enabled=*/false);
    if (o.track_running_stats()) {
      bn->num_batches_tracked += 1;
      // As LibTorch: an exponential average with the momentum, or a cumulative one without.
      const double momentum = o.momentum() ? *o.momentum() : 1.0 / bn->num_batches_tracked.item<double>();
      const torch::Tensor unbiased = var * (count / std::max(1.0, count - 1));
      bn->running_mean.mul_(1 - momentum).add_(mean_f, momentum);
      bn->running_var.mul_(1 - momentum).add_(unbiased.to(torch::kFloat32), momentum);
    }
    ctx->save_for_backward({x, weight, mean_f, invstd_f});
    ctx->saved_data["count"] = count;
    ctx->saved_data["eps"] = o.eps();
    // The context keeps only IValues: the interface travels as its address. It outlives backward:
    // the trainer holds it for the whole run.
    ctx->saved_data["ranks"] = reinterpret_cast<std::int64_t>(bn->ranks.get());
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &x = saved[0], &weight = saved[1], &mean = saved[2], &invstd = saved[3];
    const double count = ctx->saved_data["count"].toDouble();
    auto* ranks = reinterpret_cast<CrossRankSum*>(ctx->saved_data["ranks"].toInt());
    const torch::Tensor dy = grads[0].contiguous();
    const auto reductions = at::native_batch_norm_backward(dy, x, weight, {}, {}, mean, invstd, /*train=*/true,
                                                           ctx->saved_data["eps"].toDouble(), {false, true, true});
    const torch::Tensor& dweight = std::get<1>(reductions);  // this rank's sum of dy * x_hat
    const torch::Tensor& dbias = std::get<2>(reductions);    // this rank's sum of dy
    torch::Tensor sums = torch::cat({dbias, dweight});
    ranks->sum(sums);
    const std::int64_t channels = x.size(1);
    const torch::Tensor sum_dy = sums.narrow(0, 0, channels), sum_dy_xhat = sums.narrow(0, channels, channels);
    const torch::Tensor k = weight * invstd;
    const torch::Tensor b = -k * invstd * sum_dy_xhat / count;
    const torch::Tensor c = -k * sum_dy / count - b * mean;
    std::vector<std::int64_t> shape(std::size_t(x.dim()), 1);
    shape[1] = channels;
    torch::Tensor dx = torch::addcmul(c.view(shape), x, b.view(shape));
    dx.addcmul_(dy, k.view(shape));
    return {dx, dweight, dbias, torch::Tensor()};
  }
};

}  // namespace

SyncBatchNormImpl::SyncBatchNormImpl(std::int64_t features, bool images_) : options(features), images(images_) {
  reset();
}

void SyncBatchNormImpl::reset() {
  // As LibTorch's NormImplBase::reset, with its default options (affine, tracked statistics).
  weight = register_parameter("weight", torch::ones({options.num_features()}));
  bias = register_parameter("bias", torch::zeros({options.num_features()}));
  running_mean = register_buffer("running_mean", torch::zeros({options.num_features()}));
  running_var = register_buffer("running_var", torch::ones({options.num_features()}));
  num_batches_tracked = register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
}

void SyncBatchNormImpl::pretty_print(std::ostream& stream) const {
  stream << "sim::SyncBatchNorm" << (images ? "2d" : "1d") << "(" << options.num_features() << ")";
}

torch::Tensor SyncBatchNormImpl::forward(const torch::Tensor& x) {
  const bool shape_ok = images ? x.dim() == 4 : (x.dim() == 2 || x.dim() == 3);
  TORCH_CHECK(shape_ok, "batch norm expects ", images ? "4-D" : "2-D or 3-D", " input (got ", x.dim(), "-D)");
  if (ranks && is_training()) return BatchNormOverRanks::apply(x, weight, bias, this);
  // LibTorch's BatchNormImplBase::forward.
  double factor = options.momentum().value_or(0.0);
  if (is_training()) {
    torch::NoGradGuard no_grad;
    num_batches_tracked += 1;
    if (!options.momentum()) factor = 1.0 / num_batches_tracked.item<double>();
  }
  return torch::batch_norm(x, weight, bias, running_mean, running_var, is_training(), factor, options.eps(),
                           at::globalContext().userEnabledCuDNN());
}

std::size_t attach_ranks(torch::nn::Module& net, const std::shared_ptr<CrossRankSum>& ranks) {
  std::size_t attached = 0;
  for (const auto& module : net.modules()) {
    if (auto* bn = dynamic_cast<SyncBatchNormImpl*>(module.get())) {
      bn->ranks = ranks;
      ++attached;
    }
  }
  return attached;
}

}  // namespace sim
