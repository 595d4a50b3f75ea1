// HnswIndex against the oracle: recall@10 on seeded clustered data, exact distance semantics,
// growth, deletion, replacement, and its own file round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "search/exact_index.hpp"
#include "search/hnsw_file.hpp"
#include "search/hnsw_index.hpp"
#include "search/index_test_data.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

using sim::Distance;

namespace {

constexpr std::size_t kDim = 32;

}  // namespace

TEST_CASE("HNSW recall@10 >= 0.99 against the exact index (5k x 32, 100 centres)") {
  // Noise as large as the centres' own spread: neighbourhoods overlap, as in learned embeddings.
  const auto data = sim::test::clustered(5000, kDim, 100, 11, 1.0f);
  const auto queries = sim::test::clustered(300, kDim, 100, 12, 1.0f);
  for (Distance d : {Distance::Cosine, Distance::Euclidean, Distance::InnerProduct}) {
    CAPTURE(to_string(d));
    sim::HnswIndex hnsw(d, kDim, sim::HnswParams{});
    hnsw.add(data.points.data(), 5000, 1);  // one thread: the same graph, the same recall every run
    sim::ExactIndex exact(d, kDim);
    exact.add(data.points.data(), 5000, 2);
    const sim::SearchResult approx = hnsw.search(queries.points.data(), 300, 10, {0, 2});
    const sim::SearchResult truth = exact.search(queries.points.data(), 300, 10, {0, 2});
    const double r = sim::test::recall(truth, approx);
    MESSAGE(to_string(d), " recall@10 at the default ef (64): ", r);
    CHECK(r >= 0.99);
    // Reported distances are the distance's own values (euclidean as a true distance).
    for (std::size_t q = 0; q < 300; ++q) {
      for (std::size_t j = 0; j < approx.found(q); ++j) {
        const float* x = data.points.data() + std::size_t(approx.position(q, j)) * kDim;
        const float want = sim::distance(d, queries.points.data() + q * kDim, x, kDim);
        REQUIRE(approx.distance(q, j) == doctest::Approx(want).epsilon(1e-4).scale(1.0));
      }
    }
  }
}

TEST_CASE("HNSW grows batch by batch, deletes, replaces, and every vector finds itself") {
  const auto data = sim::test::clustered(3000, 8, 40, 21);
  sim::HnswIndex index(Distance::Euclidean, 8, sim::HnswParams{});
  for (std::size_t at = 0; at < 3000; at += 700) {  // past the initial capacity of 1024, unevenly
    const std::size_t n = std::min<std::size_t>(700, 3000 - at);
    index.add(data.points.data() + at * 8, n, 2);
  }
  REQUIRE(index.size() == 3000);
  const sim::SearchResult self = index.search(data.points.data(), 3000, 1, {200, 2});
  std::size_t found_self = 0;
  for (std::size_t q = 0; q < 3000; ++q) found_self += self.position(q, 0) == std::int64_t(q) ? 1 : 0;
  CHECK(found_self >= 2990);
  CHECK(self.distance(0, 0) == 0.0f);

  index.mark_deleted(5);
  CHECK_THROWS_AS(index.mark_deleted(5), std::invalid_argument);
  CHECK(index.deleted_count() == 1);
  const sim::SearchResult gone = index.search(data.points.data() + 5 * 8, 1, 20, {});
  for (std::size_t j = 0; j < gone.found(0); ++j) CHECK(gone.position(0, j) != 5);

  // Replacing moves item 7 onto item 100's vector (and revives a deleted one).
  index.replace(7, data.points.data() + 100 * 8);
  index.replace(5, data.points.data() + 200 * 8);
  CHECK(index.deleted_count() == 0);
  const sim::SearchResult moved = index.search(data.points.data() + 100 * 8, 1, 2, {});
  CHECK((moved.position(0, 0) == 7 || moved.position(0, 1) == 7));
  const sim::SearchResult back = index.search(data.points.data() + 200 * 8, 1, 2, {});
  CHECK((back.position(0, 0) == 5 || back.position(0, 1) == 5));

  const sim::SearchResult few = index.search(data.points.data(), 1, 5000, {});
  CHECK(few.found(0) <= 3000);
}

TEST_CASE("HNSW add reports its progress, all of it") {
  const auto data = sim::test::clustered(2000, 8, 20, 23);
  std::size_t reported = 0;
  sim::AddHints hints;
  hints.progress = [&](std::size_t n) { reported += n; };
  sim::HnswIndex index(Distance::Euclidean, 8, sim::HnswParams{});
  index.add(data.points.data(), 1500, 2, hints);
  index.add(data.points.data() + 1500 * 8, 500, 2, hints);
  CHECK(reported == 2000);
  const sim::SearchResult self = index.search(data.points.data(), 2000, 1, {200, 2});
  std::size_t found_self = 0;
  for (std::size_t q = 0; q < 2000; ++q) found_self += self.position(q, 0) == std::int64_t(q) ? 1 : 0;
  CHECK(found_self >= 1990);
}

TEST_CASE("HNSW refuses manhattan and bad parameters; never touches the caller's data") {
  CHECK_THROWS_AS(sim::HnswIndex(Distance::Manhattan, 4, {}), sim::UsageError);
  sim::HnswParams p;
  p.m = 1;
  CHECK_THROWS_AS(sim::HnswIndex(Distance::Cosine, 4, p), sim::UsageError);
  std::vector<float> v = {3, 4, 0, 5, 1, 1};
  const std::vector<float> before = v;
  sim::HnswIndex index(Distance::Cosine, 2, {});
  index.add(v.data(), 3, 2);
  (void)index.search(v.data(), 3, 2, {});
  CHECK(v == before);
}

TEST_CASE("HNSW file: written, checked and loaded back, the same answers") {
  sim::test::TempDir dir;
  const auto data = sim::test::clustered(1500, 16, 30, 31);
  sim::HnswParams params;
  params.m = 12;
  params.ef = 40;
  sim::HnswIndex index(Distance::Cosine, 16, params);
  index.add(data.points.data(), 1500, 1);
  index.mark_deleted(3);
  const std::string path = dir.path() + "/x.hnsw";
  sim::AtomicFile out(path);
  const sim::HnswFileStamp stamp = index.write(out);
  out.commit();
  // Written in locality order (breadth first from the entry point), so the entry point comes first;
  // the answers below show the graph is the same.
  const std::string bytes = sim::test::slurp(path);
  REQUIRE(bytes.size() > sim::kHnswHeaderBytes);
  CHECK(sim::decode_hnsw_header(reinterpret_cast<const unsigned char*>(bytes.data())).entry_point == 0);
  const auto loaded = sim::HnswIndex::load(path, Distance::Cosine, 16, 1500, params, stamp);
  CHECK(loaded->size() == 1500);
  CHECK(loaded->deleted_count() == 1);
  CHECK(loaded->is_deleted(3));
  const sim::SearchResult a = index.search(data.points.data(), 200, 10, {});
  const sim::SearchResult b = loaded->search(data.points.data(), 200, 10, {});
  CHECK(a.positions == b.positions);
  CHECK(a.distances == b.distances);
  // Loaded indices keep growing.
  loaded->add(data.points.data(), 10, 1);
  CHECK(loaded->size() == 1510);
}

TEST_CASE("HNSW load: a sidecar's count its file cannot hold is refused before the graph is allocated") {
  sim::test::TempDir dir;
  const auto data = sim::test::clustered(50, 16, 5, 7);
  sim::HnswParams params;
  sim::HnswIndex index(Distance::Cosine, 16, params);
  index.add(data.points.data(), 50, 1);
  const std::string path = dir.path() + "/x.hnsw";
  sim::AtomicFile out(path);
  const sim::HnswFileStamp stamp = index.write(out);
  out.commit();
  // Ten billion elements would be terabytes: hnswlib would fail to allocate them, or take them.
  for (const std::size_t count : {std::size_t(51), std::size_t(10000000000)}) {
    CAPTURE(count);
    try {
      (void)sim::HnswIndex::load(path, Distance::Cosine, 16, count, params, stamp);
      FAIL("loaded");
    } catch (const sim::FormatError& e) {
      const std::string what = e.what();
      CHECK(what.find(path) != std::string::npos);
      CHECK(what.find(count == 51 ? "cur_element_count" : "cannot hold the sidecar's") != std::string::npos);
    }
  }
}
