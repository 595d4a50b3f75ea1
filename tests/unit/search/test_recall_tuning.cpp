// Recall by target: the probe's recall against an independent count, the tuned ef the smallest
// that reaches the target, an exact index (recall 1 at any ef), and self-matches left out.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>

#include "search/exact_index.hpp"
#include "search/hnsw_index.hpp"
#include "search/index_test_data.hpp"
#include "search/recall_tuning.hpp"

using sim::Distance;

TEST_CASE("tune_ef gives the smallest ef whose measured recall reaches the target, to within 1/16") {
  const auto data = sim::test::clustered(3000, 16, 30, 31, 0.8f);
  sim::HnswParams weak;  // a sparse graph, so that small ef values fall short
  weak.m = 4;
  weak.ef_construction = 16;
  sim::HnswIndex index(Distance::Euclidean, 16, weak);
  index.add(data.points.data(), 3000, 1);
  sim::RecallOptions options;
  options.sample = 300;
  options.seed = 5;
  const sim::RecallProbe probe(index, options);
  CHECK(probe.sample() == 300);
  CHECK(probe.k() == 10);
  CHECK(probe.recall_at(8) < 0.95);
  std::size_t ef = 0;
  const sim::RecallRecord r = sim::tune_ef(probe, 0.95, ef);
  CHECK(r.reached);
  CHECK(r.recall >= 0.95);
  CHECK(r.recall == probe.recall_at(ef));
  // The smallest, to within the search's resolution (1/16): against a scan of every ef.
  std::size_t smallest = 8;
  while (probe.recall_at(smallest) < 0.95) ++smallest;
  CHECK(ef >= smallest);
  CHECK(ef <= smallest + smallest / 8 + 2);
  CHECK(r.sample == 300);
  CHECK(r.target == 0.95);
}

TEST_CASE("the probe counts recall as an independent count does, each query's own item left out") {
  const auto data = sim::test::clustered(800, 8, 10, 32);
  sim::HnswParams sparse;
  sparse.m = 4;
  sparse.ef_construction = 10;
  sim::HnswIndex index(Distance::Cosine, 8, sparse);
  index.add(data.points.data(), 800, 1);
  index.mark_deleted(3);
  sim::ExactIndex exact(Distance::Cosine, 8);
  exact.add(data.points.data(), 800, 1);
  exact.mark_deleted(3);
  sim::RecallOptions options;
  options.sample = 800;  // every live item
  const sim::RecallProbe probe(index, options);
  CHECK(probe.sample() == 799);

  std::vector<float> q(799 * 8);
  std::vector<std::int64_t> self;
  for (std::size_t p = 0, i = 0; p < 800; ++p) {
    if (p == 3) continue;
    index.copy_vectors(p, 1, q.data() + i++ * 8);
    self.push_back(std::int64_t(p));
  }
  const std::size_t ef = 12;
  std::vector<std::size_t> left_out(self.begin(), self.end());
  const sim::SearchResult a = index.search_left_out(q.data(), left_out.data(), 799, 11, {ef, 1});
  const sim::SearchResult e = exact.search(q.data(), 799, 11, {0, 1});
  std::size_t hits = 0;
  for (std::size_t i = 0; i < 799; ++i) {
    std::set<std::int64_t> want, got;
    for (std::size_t j = 0; j < e.found(i) && want.size() < 10; ++j) {
      if (e.position(i, j) != self[i]) want.insert(e.position(i, j));
    }
    for (std::size_t j = 0; j < a.found(i) && got.size() < 10; ++j) {
      if (a.position(i, j) != self[i]) got.insert(a.position(i, j));
    }
    for (std::int64_t x : got) hits += want.count(x);
  }
  // The probe may also count ties with the 10th: never fewer hits than by positions alone.
  CHECK(probe.recall_at(ef) >= double(hits) / (799.0 * 10) - 1e-12);
  CHECK(probe.recall_at(ef) <= double(hits) / (799.0 * 10) + 0.01);

  sim::ExactIndex oracle(Distance::Cosine, 8);
  oracle.add(data.points.data(), 800, 1);
  CHECK(sim::RecallProbe(oracle, options).recall_at(1) == 1.0);
  sim::ExactIndex lonely(Distance::Cosine, 8);
  lonely.add(data.points.data(), 1, 1);
  CHECK_THROWS_AS(sim::RecallProbe(lonely, options), std::invalid_argument);
}

TEST_CASE("search_left_out never walks through nor returns a query's own item, and finds the rest") {
  const auto data = sim::test::clustered(600, 8, 6, 33);
  sim::HnswIndex index(Distance::Euclidean, 8, sim::HnswParams{});
  index.add(data.points.data(), 600, 1);
  sim::ExactIndex exact(Distance::Euclidean, 8);
  exact.add(data.points.data(), 600, 1);
  std::vector<std::size_t> left_out(600);
  for (std::size_t p = 0; p < 600; ++p) left_out[p] = p;
  const sim::SearchResult a = index.search_left_out(data.points.data(), left_out.data(), 600, 5, {600, 2});
  const sim::SearchResult e = exact.search(data.points.data(), 600, 6, {0, 1});
  std::size_t same = 0;
  for (std::size_t q = 0; q < 600; ++q) {
    REQUIRE(a.found(q) == 5);
    std::vector<std::int64_t> want;
    for (std::size_t j = 0; j < 6; ++j) {
      CHECK(a.position(q, std::min<std::size_t>(j, 4)) != std::int64_t(q));
      if (e.position(q, j) != std::int64_t(q) && want.size() < 5) want.push_back(e.position(q, j));
    }
    for (std::size_t j = 0; j < 5; ++j) same += std::count(want.begin(), want.end(), a.position(q, j));
  }
  CHECK(double(same) / 3000.0 > 0.99);  // ef = every item: all but the left-out one are reachable
}
