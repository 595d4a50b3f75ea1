// What a model file says about its network, read without LibTorch: the architecture, input,
// embedding size and distance (ArchSpec), the classes it was trained on, how it was trained and
// from where. sim-embed reads it to open its inputs in the model's shape before it loads LibTorch
// (commands/torch_plugin.hpp); model/model_file.hpp adds the weights and the self-test.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "formats/model_container.hpp"
#include "model/arch_spec.hpp"

namespace sim {

struct ModelInfo {
  ArchSpec spec;
  std::vector<std::string> classes;
  nlohmann::json provenance = nlohmann::json::object();
  nlohmann::json training = nlohmann::json::object();  // loss, optimiser, epochs... as trained
  std::string fingerprint;                             // filled by save_model: identifies the weights
};

// The model's description from its checked container (HEAD). Throws FormatError naming `path` and
// the field for an architecture that is malformed or out of range.
ModelInfo model_info(const ModelContainer& container, const std::string& path);

// JSON <-> ArchSpec, as stored in the HEAD section.
nlohmann::json to_json(const ArchSpec& spec);
ArchSpec arch_from_json(const nlohmann::json& j, const std::string& path);

}  // namespace sim
