#include <string>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"

namespace sim {

ProjectedLoss::ProjectedLoss(std::shared_ptr<Loss> inner, int64_t embedding_dim, int64_t hidden)
    : Loss("projected", inner->distance()), inner_(std::move(inner)) {
  if (embedding_dim < 1 || hidden < 1) {
    throw UsageError("--projector needs a positive size and embedding dimension (got " + std::to_string(hidden) +
                         " and " + std::to_string(embedding_dim) + ")",
                     "--projector");
  }
  projector_ =
      register_module("projector", torch::nn::Sequential(torch::nn::Linear(embedding_dim, hidden), torch::nn::ReLU(),
                                                         torch::nn::Linear(hidden, embedding_dim)));
  register_module("inner", inner_);
}

SupervisedWithInstanceLoss::SupervisedWithInstanceLoss(std::shared_ptr<Loss> supervised, std::shared_ptr<Loss> instance,
                                                       double weight)
    : Loss("supervised_with_instance", supervised->distance()),
      supervised_(std::move(supervised)),
      instance_(std::move(instance)),
      weight_(weight) {
  if (supervised_->needs_two_views()) {
    throw UsageError(
        "--ssl-weight adds a self-supervised term to a supervised --loss, not to another self-supervised one",
        "--ssl-weight");
  }
  register_module("supervised", supervised_);
  register_module("instance", instance_);
}

torch::Tensor SupervisedWithInstanceLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  if (embeddings.dim() != 2 || labels.dim() != 1 || embeddings.size(0) != 2 * labels.size(0)) {
    throw Error("", "embeddings", "--ssl-weight needs two views per item: [2B x D] embeddings for B labels");
  }
  return supervised_->forward(embeddings, torch::cat({labels, labels})) +
         weight_ * instance_->forward(embeddings, labels);
}

void SupervisedWithInstanceLoss::begin_step(std::int64_t step, std::int64_t steps_per_epoch, std::int64_t total) {
  supervised_->begin_step(step, steps_per_epoch, total);
  instance_->begin_step(step, steps_per_epoch, total);
}

std::vector<torch::Tensor> SupervisedWithInstanceLoss::rank_shared_buffers() {
  std::vector<torch::Tensor> buffers = supervised_->rank_shared_buffers();
  for (const auto& b : instance_->rank_shared_buffers()) buffers.push_back(b);
  return buffers;
}

torch::Tensor ProjectedLoss::forward(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  return inner_->forward(projector_->forward(embeddings), labels);
}

}  // namespace sim
