#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "eval/retrieval_metrics.hpp"

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

TEST_CASE("every ranking figure worked by hand") {
  // Query label 1, R = 3, ranking rel, not, rel, rel, not; k = 4.
  const std::vector<std::int64_t> ranked{1, 0, 1, 1, 0};
  const sim::QueryScores s = sim::score_query(ranked.data(), ranked.size(), 1, 3, 4);
  CHECK(s.precision_at_1 == 1.0);
  CHECK(s.precision_at_k == doctest::Approx(3.0 / 4.0));  // 3 relevant among the first 4
  CHECK(s.recall_at_k == 1.0);                            // at least one hit in the first 4
  CHECK(s.r_precision == doctest::Approx(2.0 / 3.0));     // first R = 3: rel, not, rel
  CHECK(s.map_at_r == doctest::Approx(5.0 / 9.0));        // (1 + 2/3) / 3
  CHECK(s.reciprocal_rank == 1.0);
  // DCG@4 = 1/log2(2) + 1/log2(4) + 1/log2(5); IDCG (3 relevant first) = 1 + 1/log2(3) + 1/log2(4).
  const double dcg = 1.0 + 0.5 + 1.0 / std::log2(5.0), idcg = 1.0 + 1.0 / std::log2(3.0) + 0.5;
  CHECK(s.ndcg_at_k == doctest::Approx(dcg / idcg));
  CHECK(s.ndcg_at_k == doctest::Approx(0.906025).epsilon(1e-5));
}

TEST_CASE("first hit beyond k and R: nothing sees it") {
  const std::vector<std::int64_t> ranked{0, 0, 1};  // label 1, R = 1, k = 2: the window is 2
  const sim::QueryScores s = sim::score_query(ranked.data(), ranked.size(), 1, 1, 2);
  CHECK(s.precision_at_1 == 0.0);
  CHECK(s.precision_at_k == 0.0);
  CHECK(s.recall_at_k == 0.0);
  CHECK(s.r_precision == 0.0);
  CHECK(s.map_at_r == 0.0);
  CHECK(s.reciprocal_rank == 0.0);
  CHECK(s.ndcg_at_k == 0.0);
  // With k = 3 the hit is inside the window.
  CHECK(sim::score_query(ranked.data(), ranked.size(), 1, 1, 3).reciprocal_rank == doctest::Approx(1.0 / 3.0));
  // So it is with R = 3 and k = 1: the reciprocal rank looks as far as R.
  CHECK(sim::score_query(ranked.data(), ranked.size(), 1, 3, 1).reciprocal_rank == doctest::Approx(1.0 / 3.0));
}

TEST_CASE("k larger than the index: missing neighbours are not relevant") {
  // The index held 2 items, both relevant; k = 5.
  const std::vector<std::int64_t> ranked{4, 4};
  const sim::QueryScores s = sim::score_query(ranked.data(), ranked.size(), 4, 2, 5);
  CHECK(s.precision_at_k == doctest::Approx(2.0 / 5.0));  // the denominator stays k
  CHECK(s.recall_at_k == 1.0);
  CHECK(s.r_precision == 1.0);
  CHECK(s.map_at_r == 1.0);
  CHECK(s.ndcg_at_k == doctest::Approx(1.0));  // ideal list has only min(k, R) = 2 hits too
}

TEST_CASE("a query whose class has no other member scores nothing") {
  const std::vector<std::int64_t> ranked{0, 1, 2};
  const sim::QueryScores s = sim::score_query(ranked.data(), ranked.size(), 9, 0, 3);
  CHECK(s.precision_at_1 == 0.0);
  CHECK(s.reciprocal_rank == 0.0);
  CHECK(s.ndcg_at_k == 0.0);
  // R = 0 decides, whatever the list holds.
  const std::vector<std::int64_t> hit{9};
  CHECK(sim::score_query(hit.data(), 1, 9, 0, 1).precision_at_1 == 0.0);
}

TEST_CASE("ranking means") {
  sim::RankingScores m;
  const std::vector<std::int64_t> a{1, 1}, b{0, 1};
  m.add(sim::score_query(a.data(), 2, 1, 2, 2));  // all 1
  m.add(sim::score_query(b.data(), 2, 1, 1, 2));  // P@1 0, P@2 0.5, R@2 1, RR 0.5
  const sim::QueryScores mean = m.mean();
  CHECK(mean.precision_at_1 == doctest::Approx(0.5));
  CHECK(mean.precision_at_k == doctest::Approx(0.75));
  CHECK(mean.recall_at_k == doctest::Approx(1.0));
  CHECK(mean.reciprocal_rank == doctest::Approx(0.75));
  CHECK(sim::RankingScores().mean().map_at_r == 0.0);
}
