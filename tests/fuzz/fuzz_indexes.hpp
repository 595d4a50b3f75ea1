// Tiny, deterministic indices for the index fuzzers: written by make_fuzz_seeds as seeds, and by
// fuzz_index_sidecar at start-up so that the hnswlib file a seed sidecar names (size and CRC-32
// included) exists beside the fuzzed sidecar. One insertion thread and a fixed seed make the
// hnswlib file the same bytes in both processes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "commands/index_command.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim::fuzz {

inline Embeddings tiny_embeddings(std::size_t n, std::size_t dim) {
  Embeddings e;
  e.meta.distance = Distance::Cosine;
  e.meta.dim = dim;
  e.meta.classes = {"ant", "bee"};
  e.meta.model_fingerprint = "fuzz";
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dim; ++d) e.data.push_back(float((i * 7 + d * 3) % 11) - 5.0f + 0.5f);
    e.labels.push_back(std::int64_t(i % 3) - 1);  // -1 (unlabelled), 0, 1
    e.ids.push_back("item-" + std::to_string(i));
  }
  return e;
}

// An HNSW index of n items at `path` (and its PATH.g1.hnsw), M = 2 so that upper levels exist.
inline void write_hnsw_index(const std::string& path, std::size_t n) {
  BuildOptions options;
  options.threads = 1;
  options.hnsw.m = 2;
  options.hnsw.ef_construction = 8;
  options.hnsw.seed = 7;
  IndexArtifact a = build_index(tiny_embeddings(n, 3), "fuzz", options);
  a.index->mark_deleted(1);
  save_index(a, path, "");
}

// An exact index using every optional part of the sidecar: payloads, stored pictures, calibration,
// a history.
inline void write_exact_index(const std::string& path) {
  BuildOptions options;
  options.exact = true;
  options.threads = 1;
  IndexArtifact a = build_index(tiny_embeddings(4, 2), "fuzz", options);
  a.payloads = {"/a", "/b", "", "/d"};
  a.data = {"P5 1 1 255\n\x07", "", "P5 1 1 255\n\x09", ""};
  a.calibration.names = {"optimal", "strict"};
  a.calibration.thresholds = {0.5, 0.25};
  a.calibration.default_name = "strict";
  a.calibration.source = "fuzz";
  save_index(a, path, R"({"program":"fuzz"})");
}

}  // namespace sim::fuzz
