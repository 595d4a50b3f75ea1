// How sim-embed runs a network over items (model/embedder.hpp), without LibTorch's headers: the
// programs fill it before they load LibTorch (commands/torch_plugin.hpp).
#pragma once

#include <cstddef>

namespace sim {

struct EmbedOptions {
  std::size_t batch_size = 256;  // 256 measured fastest here; see DESIGN.md on glibc and >=32 MB tensors
  unsigned threads = 1;
  bool progress = true;  // a progress bar/lines for long runs
};

}  // namespace sim
