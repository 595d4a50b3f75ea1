// What sim-info says about a file: which sim artifact it is and its properties, after checking it
// with the same readers the programs use (so "valid" means every program would accept it).
//
// Recognised by content, never by name: a model (SIMMODEL magic), an HDF5 file by its "format"
// attribute (sim embeddings, an index sidecar) or else as a vector dataset, an IDX file, an image,
// a CSV/TSV vector dataset, a dataset folder (class folders or IDX files), and an index's hnswlib
// file (which carries no magic: it is described through the sidecar its name points to).
// A model is loaded as sim-embed loads it (LibTorch: the weights, and the self-test samples
// re-embedded and compared), after its container is checked (magic, version, section lengths,
// CRC-32, HEAD, the fingerprint against the weights).
#pragma once

#include <string>

#include "base/facts.hpp"

namespace sim {

struct ArtifactInfo {
  std::string type;  // printed as "artifact": "model", "embeddings", "index", "dataset", "idx", "image"
  Facts facts;
};

// Reads and checks `path`. Throws IoError/FormatError naming the file and what is wrong, as the
// programs themselves would (a file of no kind sim knows is a FormatError too).
ArtifactInfo describe_artifact(const std::string& path);

}  // namespace sim
