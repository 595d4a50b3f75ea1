// The one place that turns LossOptions into a loss (SentencePiece's model_factory shape): a new
// loss is a class in loss_implementations.hpp, its file loss_<name>.cpp, its options and name in
// loss_options.hpp/.cpp, and one case here.
#pragma once

#include <cstdint>
#include <memory>

#include "train/losses/loss_interface.hpp"
#include "train/losses/loss_options.hpp"

namespace sim {

// The loss `options` names, for embeddings of `embedding_dim` values, `num_classes` training
// classes (used by the proxy losses only), measured with `distance`. Calls options.validate(distance)
// first. Throws UsageError as validate(), and UsageError (field "--loss") when a proxy loss gets
// num_classes < 1 or embedding_dim < 1.
std::shared_ptr<Loss> make_loss(const LossOptions& options, Distance distance, int64_t embedding_dim,
                                int64_t num_classes);

}  // namespace sim
