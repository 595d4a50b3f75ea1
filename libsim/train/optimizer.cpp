#include <cmath>
#include <sstream>

#include "train/training_run.hpp"

namespace sim {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& c, std::vector<torch::Tensor> params) {
  if (c.optimizer == "sgd") {
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(std::max(0.0, c.weight_decay)));
  }
  if (c.optimizer == "adamw") {
    return std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay < 0 ? 0.01 : c.weight_decay));
  }
  return std::make_unique<torch::optim::Adam>(
      params, torch::optim::AdamOptions(c.lr).weight_decay(std::max(0.0, c.weight_decay)));
}

// Linear warm-up to the peak, then cosine decay to 0 (Loshchilov & Hutter 2017, without restarts).
double learning_rate(const TrainOptions& c, std::int64_t step, std::int64_t total, std::int64_t warmup) {
  if (step < warmup) return c.lr * double(step + 1) / double(warmup);
  const double progress = double(step - warmup) / double(std::max<std::int64_t>(1, total - warmup));
  return c.lr * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

std::vector<torch::Tensor> trainable_loss_parameters(Loss& loss) {
  std::vector<torch::Tensor> params;
  for (const auto& p : loss.parameters()) {
    if (p.requires_grad()) params.push_back(p);
  }
  return params;
}

// The OPTM section of a checkpoint: optimiser state, loss parameters and the position reached.
std::string save_optimizer_state(torch::optim::Optimizer& optimizer, Loss& loss, std::int64_t step) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  torch::serialize::OutputArchive loss_archive;
  loss.save(loss_archive);
  archive.write("loss", loss_archive);
  archive.write("step", torch::tensor(step));
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

std::int64_t load_optimizer_state(const std::string& bytes, torch::optim::Optimizer& optimizer, Loss& loss) {
  torch::serialize::InputArchive archive;
  std::istringstream in(bytes);
  archive.load_from(in);
  optimizer.load(archive);
  torch::serialize::InputArchive loss_archive;
  archive.read("loss", loss_archive);
  loss.load(loss_archive);
  torch::Tensor step;
  archive.read("step", step);
  return step.item<std::int64_t>();
}

}  // namespace sim
