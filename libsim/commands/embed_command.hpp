// What sim-embed does once LibTorch is loaded (commands/torch_plugin.hpp): run the model over the
// items that commands/embed_inputs.hpp opened, and write their embeddings.
#pragma once

#include <string>

#include "commands/embed_inputs.hpp"
#include "model/embedder.hpp"
#include "model/model_file.hpp"

namespace sim {

// Runs `model` over every item of `items` (batches of options.batch_size on options.threads) and
// writes the embeddings with the items' ids, labels and classes, atomically for a file. Returns
// the number written. Throws FormatError naming the first input for no items, and the writers'
// and the dataset's errors.
std::size_t embed_to_file(LoadedModel& model, const Dataset& items, const std::string& first_input,
                          const EmbedOptions& options, const EmbedOutput& output);

}  // namespace sim
