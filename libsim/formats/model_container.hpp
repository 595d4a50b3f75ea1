// The model file's container: everything about a model file that can be read without LibTorch.
//
// Layout (little-endian):
//   "SIMMODEL" | u32 format version | sections... | "END " section holding the CRC-32 of all
//   bytes before it.
//   section = 4-byte tag | u64 length | bytes
//     "HEAD"  JSON: type "sim-model", architecture, classes, provenance, training settings,
//             fingerprint
//     "WGHT"  the network's parameters and buffers (a LibTorch archive)
//     "SCPT"  the TorchScript backbone, when the model has one
//     "SAMP"  self-test: a few inputs and the embeddings they gave when the model was written
//     "OPTM"  checkpoints only: optimiser state and the training position, for --resume
//
// Split from model/model_file.cpp (which adds the LibTorch parts: weights and the self-test) so
// that sim-info and the fuzzers read models without linking LibTorch. The parser refuses a newer
// version, checks every length against the bytes it has before copying, checks the CRC, the HEAD
// JSON and that the fingerprint matches the weights; each failure is a FormatError naming the
// file and the section.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

constexpr std::uint32_t kModelFormatVersion = 1;

struct ModelContainer {
  std::uint32_t version = 0;
  std::map<std::string, std::string> sections;  // tag -> bytes, without "END "
  nlohmann::json head;                          // parsed HEAD, type checked to be "sim-model"
  std::vector<std::string> classes;             // HEAD.classes
  std::string fingerprint;                      // HEAD.fingerprint, checked against the weights
};

// Builds a complete file from its sections (written in the order given, END appended).
std::string build_model_container(const std::vector<std::pair<std::string, const std::string*>>& sections);

// Parses and checks a whole model file held in memory; `name` is the file named in errors.
ModelContainer parse_model_container(std::string_view bytes, const std::string& name);

// Reads and parses a model file (size-capped before reading).
ModelContainer read_model_container(const std::string& path);

// True if the file starts with the model magic (sim-info and tools taking several kinds).
bool looks_like_model(const std::string& path);

// FNV-1a over the weights and backbone: a short id that changes whenever the computation does.
std::string model_fingerprint(std::string_view weights, std::string_view script);

}  // namespace sim
