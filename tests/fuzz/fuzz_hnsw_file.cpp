// Fuzzes the hnswlib file check (search/hnsw_file.cpp: decode_hnsw_header, check_hnsw_file) through
// HnswIndex::load, and then hnswlib itself: a file the check accepts must load in hnswlib and
// answer a query without a sanitizer report. The sidecar's record (count, dim, M, size, CRC-32)
// is taken from the input's own header, as a matching sidecar would hold it, so the fuzzer can
// reach every check past the header.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "fuzz_support.hpp"
#include "search/hnsw_file.hpp"
#include "search/hnsw_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < sim::kHnswHeaderBytes) return 0;
  const sim::HnswHeader h = sim::decode_hnsw_header(data);
  // What load_index would pass on from a sidecar (whose reader bounds these).
  const std::uint64_t vector_bytes = h.label_offset > h.offset_data ? h.label_offset - h.offset_data : 4;
  const std::size_t dim = std::size_t(std::clamp<std::uint64_t>(vector_bytes / 4, 1, 1 << 24));
  if (h.m < 2 || h.m > sim::kHnswMaxM || h.ef_construction < 1 || h.ef_construction > 1000000) return -1;
  if (h.count > size) return -1;  // a sidecar holds at least a byte per item
  sim::HnswParams params;
  params.m = std::size_t(h.m);
  params.ef_construction = std::size_t(h.ef_construction);
  params.ef = 8;
  sim::HnswFileStamp stamp;
  stamp.size = size;
  stamp.crc32 = std::uint32_t(::crc32(::crc32(0, nullptr, 0), data, uInt(size)));
  const sim::Distance distances[] = {sim::Distance::Cosine, sim::Distance::Euclidean, sim::Distance::InnerProduct};
  const sim::Distance distance = distances[stamp.crc32 % 3];

  const std::string path = sim::fuzz::write_input(data, size, "index.sim.g1.hnsw");
  sim::fuzz::expect_clean([&] {
    auto index = sim::HnswIndex::load(path, distance, dim, std::size_t(h.count), params, stamp);
    const std::vector<float> query(dim, 0.5f);
    (void)index->search(query.data(), 1, std::min<std::size_t>(index->size(), 5), sim::SearchParams{});
  });
  return 0;
}
