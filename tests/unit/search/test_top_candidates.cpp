// TopK, exact search's candidate selection: the best `capacity` by (score, position) against a
// full sort, with ties, negative scores and -0; deleted rows skipped; a seed bound that holds and
// one too low (accepted() tells); its bucket sort against std::sort; its bucket cut when one
// outlier crowds every other candidate into one bucket.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "search/top_candidates.hpp"

using sim::TopK;

namespace {

// Scores with many ties (a few distinct values), negatives, -0 and +0 and large magnitudes.
std::vector<float> awkward_scores(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> kind(0, 3);
  std::normal_distribution<float> normal;
  std::vector<float> s(n);
  for (float& x : s) {
    switch (kind(rng)) {
      case 0:
        x = float(int(normal(rng) * 3));
        break;  // ties
      case 1:
        x = -0.0f;
        break;
      case 2:
        x = normal(rng) * 1e30f;
        break;
      default:
        x = normal(rng);
        break;
    }
  }
  return s;
}

void offer_all(TopK& top, const std::vector<float>& scores, const std::vector<std::uint8_t>* deleted) {
  for (std::size_t j = 0; j < scores.size(); j += TopK::kRun) {
    const std::size_t n = std::min(TopK::kRun, scores.size() - j);
    top.offer_run(scores.data() + j, n, j, deleted == nullptr ? nullptr : deleted->data() + j);
  }
}

// The best `keep` (score, position) pairs by a full sort; -0 and +0 are the same score.
std::vector<std::pair<float, std::size_t>> best_by_sort(const std::vector<float>& scores, std::size_t keep,
                                                        const std::vector<std::uint8_t>* deleted) {
  std::vector<std::pair<float, std::size_t>> all;
  for (std::size_t j = 0; j < scores.size(); ++j) {
    if (deleted == nullptr || (*deleted)[j] == 0) all.emplace_back(scores[j] + 0.0f, j);
  }
  std::sort(all.begin(), all.end());
  all.resize(std::min(keep, all.size()));
  return all;
}

std::vector<std::pair<float, std::size_t>> sorted_result(TopK& top) {
  top.sort();
  std::vector<std::pair<float, std::size_t>> got;
  for (const sim::Candidate* c = top.begin(); c != top.end(); ++c)
    got.emplace_back(sim::score_of(*c), sim::position_of(*c));
  return got;
}

}  // namespace

TEST_CASE("candidate bits order as (score, position), negatives and -0 included") {
  const float ordered[] = {-std::numeric_limits<float>::infinity(), -1e30f, -2.5f, -1e-40f, 0.0f, 1e-40f, 1.0f, 3e38f,
                           std::numeric_limits<float>::infinity()};
  for (std::size_t i = 0; i + 1 < std::size(ordered); ++i) {
    CAPTURE(ordered[i]);
    CHECK(sim::candidate(ordered[i], 7) < sim::candidate(ordered[i + 1], 0));
    CHECK(sim::score_of(sim::candidate(ordered[i], 5)) == ordered[i]);
    CHECK(sim::position_of(sim::candidate(ordered[i], 5)) == 5);
  }
  CHECK(sim::candidate(-0.0f, 3) == sim::candidate(0.0f, 3));
  CHECK(sim::candidate(1.0f, 3) < sim::candidate(1.0f, 4));
  CHECK(sim::position_of(sim::candidate(-2.0f, 0xffffffffu)) == 0xffffffffu);
}

TEST_CASE("TopK keeps the best by (score, position), whatever the capacity") {
  for (std::size_t n : {1, 255, 256, 257, 5000}) {
    const auto scores = awkward_scores(n, n);
    for (std::size_t keep : {1, 3, 64, 700, 6000}) {
      CAPTURE(n);
      CAPTURE(keep);
      TopK top(keep);
      top.clear();
      offer_all(top, scores, nullptr);
      CHECK(top.accepted() >= std::min(n, keep));
      CHECK(std::size_t(top.end() - top.begin()) == std::min(n, keep));
      CHECK(sorted_result(top) == best_by_sort(scores, keep, nullptr));
    }
  }
}

TEST_CASE("TopK skips deleted rows and is reusable after clear") {
  const auto scores = awkward_scores(3000, 9);
  std::vector<std::uint8_t> deleted(scores.size(), 0);
  for (std::size_t j = 0; j < deleted.size(); j += 3) deleted[j] = 1;
  TopK top(100);
  top.clear();
  offer_all(top, scores, &deleted);
  CHECK(sorted_result(top) == best_by_sort(scores, 100, &deleted));
  top.clear();
  offer_all(top, scores, nullptr);
  CHECK(sorted_result(top) == best_by_sort(scores, 100, nullptr));
}

TEST_CASE("TopK with a seed bound: exact when enough pass it, accepted() says when too few did") {
  std::vector<float> scores(4000);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (float& x : scores) x = uniform(rng);
  const auto want = best_by_sort(scores, 200, nullptr);

  TopK top(200);
  top.clear(want.back().first + 0.01f);  // above the 200th: safe, and fewer kept
  offer_all(top, scores, nullptr);
  CHECK(top.accepted() >= 200);
  CHECK(top.accepted() < scores.size());
  CHECK(sorted_result(top) == want);

  top.clear(want[50].first);  // too low: about 51 pass, a caller must search again unseeded
  offer_all(top, scores, nullptr);
  CHECK(top.accepted() < 200);
  top.clear();
  offer_all(top, scores, nullptr);
  CHECK(sorted_result(top) == want);
}

TEST_CASE("TopK's bucket sort equals std::sort, for positions beyond 2^16 and scores sharing bytes") {
  TopK top(3000);
  top.clear();
  std::vector<sim::Candidate> offered;
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::uint32_t> position(0, 0xffffffffu);
  std::uniform_real_distribution<float> close(1.0f, 1.0001f);  // one exponent: the high bytes shared
  std::vector<float> run(1);
  for (std::size_t i = 0; i < 3000; ++i) {
    run[0] = close(rng);
    const std::size_t p = i % 2 == 0 ? position(rng) : i;
    top.offer_run(run.data(), 1, p, nullptr);
    offered.push_back(sim::candidate(run[0], p));
  }
  std::sort(offered.begin(), offered.end());
  top.sort();
  CHECK(std::vector<sim::Candidate>(top.begin(), top.end()) == offered);
}

TEST_CASE("TopK cuts and sorts right when one outlier puts every other candidate in one bucket") {
  std::vector<float> scores(5000);
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<float> close(0.5f, 0.5001f);
  for (float& x : scores) x = close(rng);
  scores[4321] = 3e38f;  // the buckets span up to it: the rest share the first bucket or two
  scores[17] = -3e38f;
  for (std::size_t keep : {1, 100, 2499, 4999}) {
    CAPTURE(keep);
    TopK top(keep);
    top.clear();
    offer_all(top, scores, nullptr);
    CHECK(sorted_result(top) == best_by_sort(scores, keep, nullptr));
  }
}
