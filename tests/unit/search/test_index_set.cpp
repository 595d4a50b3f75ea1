// ShardedIndex, the union of several indexes: positions one shard after another, deleted flags
// carried over, search equal to one exact index over the union (ties included), stored vectors
// copied across shard boundaries, and read-only. open_index_set's file-level checks (classes by
// name, ids in two shards, mismatches) run through the programs in tests/cli/shards.sh.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "base/error.hpp"
#include "search/exact_index.hpp"
#include "search/hnsw_index.hpp"
#include "search/index_set.hpp"
#include "search/index_test_data.hpp"

using sim::Distance;
using sim::ExactIndex;

TEST_CASE("a sharded index answers as one exact index over the union, ties by union position") {
  auto data = sim::test::clustered(300, 6, 5, 21);
  // Rows 200..299 repeat rows 0..99: every such neighbour ties with one in the first shard.
  std::copy_n(data.points.begin(), 100 * 6, data.points.begin() + 200 * 6);
  const auto queries = sim::test::clustered(20, 6, 5, 22);
  for (Distance d : sim::all_distances()) {
    CAPTURE(to_string(d));
    ExactIndex whole(d, 6);
    whole.add(data.points.data(), 300, 1);
    std::vector<std::unique_ptr<sim::Index>> shards;
    const std::size_t sizes[] = {120, 80, 100};
    std::size_t at = 0;
    for (std::size_t n : sizes) {
      shards.push_back(std::make_unique<ExactIndex>(d, 6));
      shards.back()->add(data.points.data() + at * 6, n, 1);
      at += n;
    }
    shards[1]->mark_deleted(5);  // union position 125
    whole.mark_deleted(125);
    const sim::ShardedIndex sharded(std::move(shards));
    CHECK(sharded.size() == 300);
    CHECK(sharded.is_deleted(125));
    CHECK(sharded.live_count() == 299);
    CHECK(sharded.type() == sim::IndexType::Exact);
    CHECK(sharded.offset(2) == 200);
    const sim::SearchResult a = sharded.search(queries.points.data(), 20, 30, {0, 2});
    const sim::SearchResult b = whole.search(queries.points.data(), 20, 30, {0, 2});
    CHECK(a.positions == b.positions);
    CHECK(a.distances == b.distances);

    std::vector<float> got(150 * 6), want(150 * 6);
    sharded.copy_vectors(100, 150, got.data());  // across both shard boundaries
    whole.copy_vectors(100, 150, want.data());
    CHECK(got == want);
    CHECK_THROWS_AS(sharded.copy_vectors(250, 51, got.data()), std::out_of_range);
  }
}

TEST_CASE("a sharded index is read-only, approximate when any shard is, and refuses mixed shapes") {
  const auto data = sim::test::clustered(50, 4, 3, 23);
  std::vector<std::unique_ptr<sim::Index>> shards;
  shards.push_back(std::make_unique<ExactIndex>(Distance::Euclidean, 4));
  shards.push_back(std::make_unique<sim::HnswIndex>(Distance::Euclidean, 4, sim::HnswParams{}));
  for (auto& s : shards) s->add(data.points.data(), 50, 1);
  sim::ShardedIndex sharded(std::move(shards));
  CHECK(sharded.type() == sim::IndexType::Hnsw);
  CHECK_THROWS_AS(sharded.add(data.points.data(), 1, 1), sim::Error);
  CHECK_THROWS_AS(sharded.replace(0, data.points.data()), sim::Error);
  CHECK_THROWS_AS(sharded.mark_deleted(0), sim::Error);
  // Both shards hold the same 50 vectors: each query's nearest is itself, twice (positions p, 50+p).
  const sim::SearchResult r = sharded.search(data.points.data(), 50, 2, {});
  for (std::size_t q = 0; q < 50; ++q) {
    CHECK(r.position(q, 0) == std::int64_t(q));
    CHECK(r.position(q, 1) == std::int64_t(50 + q));
  }

  std::vector<std::unique_ptr<sim::Index>> mixed;
  mixed.push_back(std::make_unique<ExactIndex>(Distance::Euclidean, 4));
  mixed.push_back(std::make_unique<ExactIndex>(Distance::Euclidean, 5));
  CHECK_THROWS_AS(sim::ShardedIndex(std::move(mixed)), std::invalid_argument);
  CHECK_THROWS_AS(sim::ShardedIndex({}), std::invalid_argument);
}

TEST_CASE("HNSW shards answer as each shard searched alone and merged, whatever the threads") {
  const auto data = sim::test::clustered(1200, 8, 12, 24);
  const auto queries = sim::test::clustered(60, 8, 12, 25);
  std::vector<std::unique_ptr<sim::Index>> shards;
  for (std::size_t s = 0; s < 4; ++s) {
    shards.push_back(std::make_unique<sim::HnswIndex>(Distance::Euclidean, 8, sim::HnswParams{}));
    shards.back()->add(data.points.data() + s * 300 * 8, 300, 1);
  }
  // Each shard alone, merged by hand: what the union must answer.
  std::vector<sim::SearchResult> parts;
  std::vector<const sim::SearchResult*> views;
  for (const auto& s : shards) parts.push_back(s->search(queries.points.data(), 60, 7, {0, 1}));
  for (const auto& p : parts) views.push_back(&p);
  const sim::SearchResult want = sim::merge_topk(views, {0, 300, 600, 900}, 7);
  const sim::ShardedIndex sharded(std::move(shards));
  for (const unsigned threads : {1u, 2u, 3u, 8u}) {
    CAPTURE(threads);
    for (const std::size_t nq : {std::size_t(1), std::size_t(60)}) {
      const sim::SearchResult got = sharded.search(queries.points.data(), nq, 7, {0, threads});
      CHECK(std::equal(got.positions.begin(), got.positions.end(), want.positions.begin()));
      CHECK(std::equal(got.distances.begin(), got.distances.end(), want.distances.begin()));
    }
  }
}
