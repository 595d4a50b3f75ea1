// ExactIndex, the oracle: hand-checked answers for every distance (ties included), agreement with
// the reference distance on random data, deletion and compaction, and exact shard merging.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "search/exact_index.hpp"
#include "search/index_test_data.hpp"

using sim::Distance;
using sim::ExactIndex;
using sim::SearchParams;

namespace {

// p0 (1,0)  p1 (0,1)  p2 (1,1)  p3 (2,0)  p4 (-1,0); query (1,0).
const std::vector<float> kPoints = {1, 0, 0, 1, 1, 1, 2, 0, -1, 0};
const float kQuery[] = {1, 0};

std::vector<std::int64_t> positions(const sim::SearchResult& r, std::size_t q = 0) {
  return {r.positions.begin() + std::ptrdiff_t(q * r.k), r.positions.begin() + std::ptrdiff_t(q * r.k + r.found(q))};
}

// Every distance by brute force with the reference function, ordered (distance, position).
std::vector<std::pair<float, std::int64_t>> naive(Distance d, const std::vector<float>& data, const float* q,
                                                  std::size_t dim, bool cosine_normalised) {
  std::vector<float> qq(q, q + dim);
  std::vector<std::pair<float, std::int64_t>> all;
  for (std::size_t i = 0; i < data.size() / dim; ++i) {
    std::vector<float> x(data.begin() + std::ptrdiff_t(i * dim), data.begin() + std::ptrdiff_t((i + 1) * dim));
    if (cosine_normalised) {
      sim::l2_normalize(x.data(), dim);
      sim::l2_normalize(qq.data(), dim);
    }
    all.emplace_back(sim::clamp_distance(d, sim::distance(d, qq.data(), x.data(), dim)), std::int64_t(i));
  }
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace

TEST_CASE("exact search: hand-checked order and distances for every distance, ties by position") {
  struct Case {
    Distance d;
    std::vector<std::int64_t> order;
    std::vector<float> dist;
  };
  const float r = 1 - 1 / std::sqrt(2.0f);
  const Case cases[] = {
      {Distance::Euclidean, {0, 2, 3, 1, 4}, {0, 1, 1, std::sqrt(2.0f), 2}},
      {Distance::SquaredEuclidean, {0, 2, 3, 1, 4}, {0, 1, 1, 2, 4}},
      {Distance::Manhattan, {0, 2, 3, 1, 4}, {0, 1, 1, 2, 2}},
      {Distance::InnerProduct, {3, 0, 2, 1, 4}, {-1, 0, 0, 1, 2}},
      {Distance::Cosine, {0, 3, 2, 1, 4}, {0, 0, r, 1, 2}},
  };
  for (const Case& c : cases) {
    CAPTURE(to_string(c.d));
    ExactIndex index(c.d, 2);
    index.add(kPoints.data(), 5, 1);
    const sim::SearchResult res = index.search(kQuery, 1, 5, {});
    CHECK(positions(res) == c.order);
    for (std::size_t j = 0; j < 5; ++j) CHECK(res.distance(0, j) == doctest::Approx(c.dist[j]).epsilon(1e-6));
  }
}

TEST_CASE("exact search agrees with the reference distance on random data, whatever the threads") {
  const auto data = sim::test::clustered(700, 13, 20, 1);
  const auto queries = sim::test::clustered(37, 13, 20, 2);
  for (Distance d : sim::all_distances()) {
    CAPTURE(to_string(d));
    ExactIndex index(d, 13);
    index.add(data.points.data(), 700, 2);
    const sim::SearchResult one = index.search(queries.points.data(), 37, 10, {0, 1});
    const sim::SearchResult four = index.search(queries.points.data(), 37, 10, {0, 4});
    CHECK(one.positions == four.positions);
    for (std::size_t q = 0; q < 37; ++q) {
      const auto want = naive(d, data.points, queries.points.data() + q * 13, 13, d == Distance::Cosine);
      for (std::size_t j = 0; j < 10; ++j) {
        REQUIRE(one.position(q, j) == want[j].second);
        REQUIRE(one.distance(q, j) == want[j].first);
      }
    }
  }
}

TEST_CASE("exact search: k beyond the size, deletions, replacement, compaction") {
  ExactIndex index(Distance::Euclidean, 2);
  index.add(kPoints.data(), 5, 1);
  sim::SearchResult res = index.search(kQuery, 1, 9, {});
  CHECK(res.found(0) == 5);
  CHECK(res.position(0, 5) == -1);
  CHECK(std::isinf(res.distance(0, 8)));

  index.mark_deleted(0);
  index.mark_deleted(2);
  CHECK_THROWS_AS(index.mark_deleted(2), std::invalid_argument);
  CHECK_THROWS_AS(index.mark_deleted(9), std::out_of_range);
  CHECK(index.live_count() == 3);
  res = index.search(kQuery, 1, 9, {});
  CHECK(positions(res) == std::vector<std::int64_t>{3, 1, 4});

  const float moved[] = {1, 0.5f};
  index.replace(2, moved);  // back, at a new place
  CHECK(!index.is_deleted(2));
  res = index.search(kQuery, 1, 1, {});
  CHECK(res.position(0, 0) == 2);
  CHECK(res.distance(0, 0) == doctest::Approx(0.5f));

  const std::vector<std::int64_t> map = index.compact();
  CHECK(map == std::vector<std::int64_t>{-1, 0, 1, 2, 3});
  CHECK(index.size() == 4);
  CHECK(index.deleted_count() == 0);
  res = index.search(kQuery, 1, 4, {});
  CHECK(positions(res) == std::vector<std::int64_t>{1, 2, 0, 3});

  for (std::size_t i = 0; i < 4; ++i) index.mark_deleted(i);
  CHECK(index.search(kQuery, 1, 3, {}).found(0) == 0);
}

TEST_CASE("cosine normalises copies, never the caller's vectors") {
  std::vector<float> v = {3, 4, 0, 5};
  const std::vector<float> before = v;
  ExactIndex index(Distance::Cosine, 2);
  index.add(v.data(), 2, 1);
  (void)index.search(v.data(), 2, 1, {});
  CHECK(v == before);
  CHECK(index.vectors()[0] == doctest::Approx(0.6f));
}

TEST_CASE("merging exact shards' top k equals one exact index over all of them") {
  const auto data = sim::test::clustered(900, 8, 30, 3);
  const auto queries = sim::test::clustered(25, 8, 30, 4);
  for (Distance d : {Distance::Cosine, Distance::Euclidean, Distance::Manhattan}) {
    ExactIndex whole(d, 8);
    whole.add(data.points.data(), 900, 2);
    std::vector<std::unique_ptr<ExactIndex>> shards;
    std::vector<sim::SearchResult> parts;
    const std::size_t sizes[] = {250, 400, 250};
    std::vector<std::int64_t> offsets;
    std::size_t at = 0;
    for (std::size_t s : sizes) {
      shards.push_back(std::make_unique<ExactIndex>(d, 8));
      shards.back()->add(data.points.data() + at * 8, s, 1);
      parts.push_back(shards.back()->search(queries.points.data(), 25, 10, {}));
      offsets.push_back(std::int64_t(at));
      at += s;
    }
    const sim::SearchResult merged = sim::merge_topk({&parts[0], &parts[1], &parts[2]}, offsets, 10);
    const sim::SearchResult direct = whole.search(queries.points.data(), 25, 10, {});
    CHECK(merged.positions == direct.positions);
    CHECK(merged.distances == direct.distances);
  }
  CHECK_THROWS_AS(sim::merge_topk({}, {0}, 3), std::invalid_argument);
}

TEST_CASE("exact search for many neighbours (seeded bounds) equals the reference, deletions and ties included") {
  const std::size_t n = 5000, dim = 16;
  auto data = sim::test::clustered(n, dim, 10, 7);
  for (std::size_t i = 100; i < 160; ++i) {  // exact duplicates: ties broken by position
    std::copy_n(data.points.begin() + 50 * dim, dim, data.points.begin() + std::ptrdiff_t(i * dim));
  }
  const auto queries = sim::test::clustered(9, dim, 10, 8);
  for (Distance d : sim::all_distances()) {
    CAPTURE(to_string(d));
    ExactIndex index(d, dim);
    index.add(data.points.data(), n, 2);
    for (std::size_t i = 0; i < n; i += 7) index.mark_deleted(i);
    std::vector<float> live;
    std::vector<std::int64_t> position_of_live;
    for (std::size_t i = 0; i < n; ++i) {
      if (index.is_deleted(i)) continue;
      live.insert(live.end(), data.points.begin() + std::ptrdiff_t(i * dim),
                  data.points.begin() + std::ptrdiff_t((i + 1) * dim));
      position_of_live.push_back(std::int64_t(i));
    }
    for (std::size_t k : {100, 600}) {
      CAPTURE(k);
      const sim::SearchResult got = index.search(queries.points.data(), 9, k, {0, 2});
      for (std::size_t q = 0; q < 9; ++q) {
        const auto want = naive(d, live, queries.points.data() + q * dim, dim, d == Distance::Cosine);
        for (std::size_t j = 0; j < k; ++j) {
          REQUIRE(got.position(q, j) == position_of_live[std::size_t(want[j].second)]);
          REQUIRE(got.distance(q, j) == want[j].first);
        }
      }
    }
  }
}

TEST_CASE("exact search stays exact when the rows that set the seed bound are not typical") {
  // The bound is estimated from rows spread evenly over the index (every n/1024-th): here those
  // are the ones nearest the query and all others are far, so the estimate is too low and the
  // search must notice and sweep again. Whatever the sampling, the answer must be the reference.
  const std::size_t n = 4096, dim = 4, k = 500;
  std::vector<float> data(n * dim, 50.0f);
  for (std::size_t i = 0; i < n; ++i) data[i * dim] += float(i % 97);
  for (std::size_t r = 0; r < 1024; ++r) {
    float* row = data.data() + (r * n / 1024) * dim;
    std::fill(row, row + dim, 0.0f);
    row[0] = 1.0f + float(r) * 1e-3f;
  }
  const float query[dim] = {1, 0, 0, 0};
  for (Distance d : {Distance::Euclidean, Distance::Manhattan}) {
    CAPTURE(to_string(d));
    ExactIndex index(d, dim);
    index.add(data.data(), n, 1);
    const sim::SearchResult got = index.search(query, 1, k, {0, 1});
    const auto want = naive(d, data, query, dim, false);
    for (std::size_t j = 0; j < k; ++j) {
      REQUIRE(got.position(0, j) == want[j].second);
      REQUIRE(got.distance(0, j) == want[j].first);
    }
  }
}
