// The model file sim-train writes and every other program reads: one self-contained file.
// Its container (magic, version, sections, CRC, HEAD) is formats/model_container.hpp; this adds the
// LibTorch parts: the weights, the TorchScript backbone and the load-time self-test.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "formats/model_container.hpp"
#include "model/arch.hpp"
#include "model/model_info.hpp"

namespace sim {

struct LoadedModel {
  ModelInfo info;
  EmbeddingNet net{nullptr};                 // in eval mode
  std::map<std::string, std::string> extra;  // sections other than the standard ones (e.g. "OPTM")
};

// Writes the model atomically. sample_inputs (a few raw inputs, N x input shape) are run through
// the network in eval mode and stored with their embeddings for the load-time self-test. `extra`
// sections are stored as they are (4-character tags). Fills info.fingerprint. Throws IoError.
void save_model(const std::string& path, EmbeddingNet& net, ModelInfo& info, const torch::Tensor& sample_inputs,
                const std::map<std::string, std::string>& extra = {});

// Reads and checks a model file; with check_samples, re-runs the self-test samples and throws
// FormatError if the embeddings differ by more than 1e-4.
LoadedModel load_model(const std::string& path, bool check_samples = true);

// The same from the container of `path` already read (formats/model_container.hpp), for a caller
// that read it before it loaded LibTorch: the file is then read once.
LoadedModel load_model(const ModelContainer& container, const std::string& path, bool check_samples = true);

}  // namespace sim
