// Batched inference: every item of a dataset through a network, in order.
//
// Each batch is decoded by `threads` worker threads, then run through the network under
// torch::InferenceMode (LibTorch's own intra-op threads). The two never run at once: on small
// machines two busy thread pools only slow each other down.
#pragma once

#include <torch/torch.h>

#include <functional>

#include "data/dataset.hpp"
#include "formats/embeddings.hpp"
#include "model/arch.hpp"
#include "model/embed_options.hpp"

namespace sim {

// Calls sink(first_item, embeddings) for consecutive batches (embeddings: n x dim, float, CPU).
// Load errors propagate as the dataset throws them (FormatError naming the file).
void embed_dataset(EmbeddingNet& net, const Dataset& dataset, const EmbedOptions& options,
                   const std::function<void(std::size_t, const torch::Tensor&)>& sink);

// All embeddings at once: size() x dim.
torch::Tensor embed_all(EmbeddingNet& net, const Dataset& dataset, const EmbedOptions& options);

// All embeddings with the dataset's ids, labels and classes, as read_embeddings would return them
// (for sim-query -m, which searches without writing a file).
Embeddings embed_to_memory(EmbeddingNet& net, const std::string& model_fingerprint, const Dataset& dataset,
                           const EmbedOptions& options);

// Turns `count` dataset items into one input tensor (count x shape), decoding on `threads`.
torch::Tensor load_inputs(const Dataset& dataset, const std::vector<std::size_t>& items, unsigned threads);

// The tensor shape of one item: {C, H, W} or {D}.
std::vector<std::int64_t> item_shape(const ItemShape& shape);

}  // namespace sim
