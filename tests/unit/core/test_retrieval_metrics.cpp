#include <doctest/doctest.h>

#include <vector>

#include "core/retrieval_metrics.hpp"

TEST_CASE("MAP@R worked by hand") {
  // Query label 1, R = 3 relevant items. Ranking: rel, not, rel, rel(beyond R).
  // P(1) = 1, P(3) = 2/3 -> MAP@R = (1 + 2/3) / 3 = 5/9.
  const std::vector<std::int64_t> ranked{1, 0, 1, 1};
  CHECK(sim::map_at_r(ranked.data(), ranked.size(), 1, 3) == doctest::Approx(5.0 / 9.0));
  CHECK(sim::precision_at_1(ranked.data(), ranked.size(), 1) == 1.0);
  CHECK(sim::precision_at_1(ranked.data(), ranked.size(), 0) == 0.0);
}

TEST_CASE("MAP@R edge cases") {
  const std::vector<std::int64_t> ranked{2, 2};
  CHECK(sim::map_at_r(ranked.data(), 2, 2, 2) == 1.0);                   // perfect
  CHECK(sim::map_at_r(ranked.data(), 2, 2, 4) == doctest::Approx(0.5));  // fewer neighbours than R
  CHECK(sim::map_at_r(ranked.data(), 2, 7, 0) == 0.0);                   // a class with no other member
  CHECK(sim::precision_at_1(ranked.data(), 0, 2) == 0.0);                // nothing found
}

TEST_CASE("running means") {
  sim::RetrievalScores s;
  const std::vector<std::int64_t> a{1, 1}, b{0, 1};
  s.add(a.data(), 2, 1, 2);  // P@1 1, MAP@R 1
  s.add(b.data(), 2, 1, 1);  // P@1 0, MAP@R 0 (only the first R=1 counts)
  CHECK(s.mean_precision_at_1() == doctest::Approx(0.5));
  CHECK(s.mean_map_at_r() == doctest::Approx(0.5));
}
