// What a network is, without LibTorch: its architecture, input, embedding size and distance, and
// its input normalisation. Stored in the model file; the command line checks --arch against names().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/distance.hpp"
#include "data/dataset.hpp"

namespace sim {

// Everything needed to rebuild a network before loading its weights (stored in the model file).
struct ArchSpec {
  std::string arch;       // "hello", "small_cnn", "resnet", "mlp", or "script" (TorchScript backbone)
  ItemShape input;        // what the network reads
  std::int64_t dim = 64;  // embedding size
  Distance distance = Distance::Cosine;
  std::vector<float> mean, std;      // preprocessing: one value per channel (images) or feature (vectors)
  std::int64_t script_features = 0;  // "script": the backbone's output width, found by a probe
  bool freeze_backbone = false;

  // The architecture --arch auto picks for this input: small_cnn for grey images up to 64 px,
  // resnet for colour or larger images, mlp for vectors.
  static std::string auto_arch(const ItemShape& input);
  // Names accepted by --arch.
  static const std::vector<std::string>& names();
};

}  // namespace sim
