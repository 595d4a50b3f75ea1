// Fuzzes load_index (search/index_file.cpp), the index sidecar reader: the fuzzed bytes are the
// sidecar; beside it lies the hnswlib file the seed sidecars name (fuzz_indexes.hpp), so inputs
// that keep that name, size and CRC-32 go on through the hnswlib file check and hnswlib's loader.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_indexes.hpp"
#include "fuzz_support.hpp"
#include "search/index_file.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sim::fuzz::hdf5_without_free_lists();
  spdlog::set_level(spdlog::level::off);  // writing the companion index logs its progress
  return 0;
}

namespace {

const std::string& sidecar_path() {
  static const std::string path = [] {
    std::string p = sim::fuzz::scratch_dir() + "/index.sim";
    sim::fuzz::write_hnsw_index(p, 6);  // leaves index.sim.g1.hnsw beside it
    return p;
  }();
  return path;
}

void check(const sim::IndexArtifact& a, bool with_vectors) {
  const std::size_t n = a.size();
  const bool sizes = a.labels.size() == n && a.deleted.size() == n && (a.payloads.empty() || a.payloads.size() == n) &&
                     (a.data.empty() || a.data.size() == n) &&
                     a.calibration.names.size() == a.calibration.thresholds.size() &&
                     (!with_vectors || (a.index && a.index->size() == n));
  if (!sizes) {
    std::fprintf(stderr, "load_index returned inconsistent sizes\n");
    std::abort();
  }
  for (std::size_t i = 0; i < n; ++i) (void)a.class_name(i);  // labels must be in range
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = sidecar_path();
  (void)sim::fuzz::write_input(data, size, "index.sim");
  (void)sim::looks_like_index(path);  // never throws
  for (const bool with_vectors : {false, true}) {
    sim::fuzz::expect_clean([&] { check(sim::load_index(path, with_vectors), with_vectors); });
  }
  return 0;
}
