// LibTorch first: it brings glog, whose CHECK would otherwise replace doctest's (see loss_reference.hpp).
#include <torch/torch.h>
// clang-format off
#include <doctest/doctest.h>
// clang-format on

#include "train/validation.hpp"

TEST_CASE("leave-one-out precision@1 and MAP@R on a worked example") {
  // Points on a line, cosine is useless here, so euclidean. Labels: 0 0 1 1 at 0, 1, 10, 12.
  const torch::Tensor e = torch::tensor({0.0f, 1.0f, 10.0f, 12.0f}).reshape({4, 1});
  const sim::RetrievalScores s = sim::leave_one_out_scores(e, {0, 0, 1, 1}, sim::Distance::Euclidean);
  CHECK(s.queries == 4);
  CHECK(s.mean_precision_at_1() == doctest::Approx(1.0));
  CHECK(s.mean_map_at_r() == doctest::Approx(1.0));

  // Swap two labels: 0 1 0 1. Query 0 (at 0): nearest 1 (label 1) -> miss; R = 1 -> MAP@R 0.
  // Query 1 (at 1): nearest 0 (label 0) -> miss. Query 2 (at 10): nearest 12 (label 1) -> miss.
  // Query 3 (at 12): nearest 10 (label 0) -> miss.
  const sim::RetrievalScores bad = sim::leave_one_out_scores(e, {0, 1, 0, 1}, sim::Distance::Euclidean);
  CHECK(bad.mean_precision_at_1() == doctest::Approx(0.0));
  CHECK(bad.mean_map_at_r() == doctest::Approx(0.0));
}

TEST_CASE("unlabelled items are skipped as queries") {
  const torch::Tensor e = torch::tensor({0.0f, 1.0f, 5.0f}).reshape({3, 1});
  const sim::RetrievalScores s = sim::leave_one_out_scores(e, {0, 0, -1}, sim::Distance::Euclidean);
  CHECK(s.queries == 2);
}
