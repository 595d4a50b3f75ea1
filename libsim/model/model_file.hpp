// The model file sim-train writes and every other program reads: one self-contained file.
//
// Layout (little-endian):
//   "SIMMODEL" | u32 format version | sections... | "END " section holding the CRC-32 of all
//   bytes before it.
//   section = 4-byte tag | u64 length | bytes
//     "HEAD"  JSON: type "sim-model", architecture (ArchSpec), classes, provenance, training
//             settings, fingerprint
//     "WGHT"  the network's parameters and buffers (a LibTorch archive)
//     "SCPT"  the TorchScript backbone, when the model has one
//     "SAMP"  self-test: a few inputs and the embeddings they gave when the model was written;
//             re-computed and compared on every load
//     "OPTM"  checkpoints only: optimiser state and the training position, for --resume
// Readers refuse a newer version, check every length against the file size before allocating,
// and check the CRC, so a truncated or damaged file is a FormatError naming it.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "model/arch.hpp"

namespace sim {

constexpr std::uint32_t kModelFormatVersion = 1;

struct ModelInfo {
  ArchSpec spec;
  std::vector<std::string> classes;
  nlohmann::json provenance = nlohmann::json::object();
  nlohmann::json training = nlohmann::json::object();  // loss, optimiser, epochs... as trained
  std::string fingerprint;                             // filled by save_model: identifies the weights
};

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

// True if the file starts with the model magic (for sim-info and tools taking several kinds).
bool looks_like_model(const std::string& path);

// JSON <-> ArchSpec, as stored in the HEAD section.
nlohmann::json to_json(const ArchSpec& spec);
ArchSpec arch_from_json(const nlohmann::json& j, const std::string& path);

}  // namespace sim
