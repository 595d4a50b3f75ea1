// HnswIndex::map, the memory-mapped open of an hnswlib file: the same answers as a read open, read-
// only, and a file changed under it is a FormatError naming it, never an out-of-bounds read. (A
// file truncated under it ends the process: tests/cli/mapped_index.sh.)
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "search/hnsw_file.hpp"
#include "search/hnsw_index.hpp"
#include "search/index_test_data.hpp"
#include "temp_dir.hpp"

using sim::Distance;

namespace {

struct Written {
  std::string path;
  sim::HnswFileStamp stamp;
  std::vector<std::uint8_t> deleted;
};

Written write_index(const sim::HnswIndex& index, const std::string& path) {
  sim::AtomicFile out(path);
  Written w{path, index.write(out), {}};
  out.commit();
  for (std::size_t p = 0; p < index.size(); ++p) w.deleted.push_back(index.is_deleted(p) ? 1 : 0);
  return w;
}

}  // namespace

TEST_CASE("HNSW map: the same answers as a read open, quantised or not, deleted items and all") {
  sim::test::TempDir dir;
  constexpr std::size_t kDim = 24, kItems = 2500;
  const auto data = sim::test::clustered(kItems, kDim, 30, 51, 1.0f);
  const auto queries = sim::test::clustered(300, kDim, 30, 52, 1.0f);
  for (const Distance d : {Distance::Cosine, Distance::Euclidean, Distance::InnerProduct}) {
    CAPTURE(to_string(d));
    sim::HnswParams params;
    sim::HnswIndex index(d, kDim, params);
    index.add(data.points.data(), kItems, 2);
    for (std::size_t p = 0; p < kItems; p += 97) index.mark_deleted(p);
    const Written w = write_index(index, dir.path() + "/" + std::string(to_string(d)) + ".hnsw");
    const auto read = sim::HnswIndex::load(w.path, d, kDim, kItems, params, w.stamp);
    const auto mapped = sim::HnswIndex::map(w.path, d, kDim, kItems, params, w.stamp, w.deleted);
    CHECK(mapped->deleted_count() == read->deleted_count());
    for (const sim::Quantization q : {sim::Quantization::None, sim::Quantization::Sq8}) {
      read->set_quantization(q);
      mapped->set_quantization(q);
      for (const std::size_t ef : {10u, 64u}) {
        const sim::SearchResult a = read->search(queries.points.data(), 300, 10, {ef, 2});
        const sim::SearchResult b = mapped->search(queries.points.data(), 300, 10, {ef, 2});
        CHECK(a.positions == b.positions);
        CHECK(std::memcmp(a.distances.data(), b.distances.data(), a.distances.size() * sizeof(float)) == 0);
      }
    }
    std::vector<float> vectors(kDim * 5), again(kDim * 5);
    read->copy_vectors(100, 5, vectors.data());
    mapped->copy_vectors(100, 5, again.data());
    CHECK(vectors == again);
  }
}

TEST_CASE("HNSW map: read-only; the header and upper levels are still checked against the sidecar") {
  sim::test::TempDir dir;
  const auto data = sim::test::clustered(300, 8, 5, 61);
  sim::HnswParams params;
  sim::HnswIndex index(Distance::Euclidean, 8, params);
  index.add(data.points.data(), 300, 1);
  const Written w = write_index(index, dir.path() + "/x.hnsw");
  const auto mapped = sim::HnswIndex::map(w.path, Distance::Euclidean, 8, 300, params, w.stamp, w.deleted);
  CHECK_THROWS_AS(mapped->add(data.points.data(), 1, 1), std::logic_error);
  CHECK_THROWS_AS(mapped->mark_deleted(0), std::logic_error);
  CHECK_THROWS_AS(mapped->replace(0, data.points.data()), std::logic_error);
  sim::HnswParams other = params;
  other.m = 12;  // the sidecar says another M: the header disagrees
  CHECK_THROWS_AS((void)sim::HnswIndex::map(w.path, Distance::Euclidean, 8, 300, other, w.stamp, w.deleted),
                  sim::FormatError);
  sim::HnswFileStamp longer = w.stamp;
  longer.size += 1;
  CHECK_THROWS_AS((void)sim::HnswIndex::map(w.path, Distance::Euclidean, 8, 300, params, longer, w.deleted),
                  sim::FormatError);
}

TEST_CASE("HNSW map: level 0 changed under the reader is a FormatError naming the file, not a wild read") {
  sim::test::TempDir dir;
  constexpr std::size_t kDim = 8, kItems = 400;
  const auto data = sim::test::clustered(kItems, kDim, 5, 71);
  sim::HnswParams params;
  sim::HnswIndex index(Distance::Euclidean, kDim, params);
  index.add(data.points.data(), kItems, 1);
  const Written w = write_index(index, dir.path() + "/x.hnsw");
  const auto mapped = sim::HnswIndex::map(w.path, Distance::Euclidean, kDim, kItems, params, w.stamp, w.deleted);
  CHECK(mapped->search(data.points.data(), 5, 3, {}).found(0) == 3);
  // Another program rewrites every record's neighbour count and first ids in place, through the
  // page cache the mapping shares.
  const sim::HnswHeader h = sim::expected_hnsw_layout(kItems, kDim, params.m, params.ef_construction);
  const int fd = ::open(w.path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  for (std::size_t i = 0; i < kItems; ++i) {
    const unsigned char bad[8] = {0xff, 0xff, 0, 0, 0xff, 0xff, 0xff, 0x7f};  // count 65535, id 2^31 - 1
    REQUIRE(::pwrite(fd, bad, sizeof bad, off_t(sim::kHnswHeaderBytes + i * h.size_data_per_element)) == 8);
  }
  ::close(fd);
  try {
    (void)mapped->search(data.points.data(), 5, 3, {});
    FAIL("searched a changed file");
  } catch (const sim::FormatError& e) {
    CHECK(std::string(e.what()).find(w.path) != std::string::npos);
    CHECK(std::string(e.what()).find("changed while it was mapped") != std::string::npos);
  }
}
