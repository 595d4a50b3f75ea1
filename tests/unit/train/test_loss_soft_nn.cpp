#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>

#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

// Frosst et al. 2019, eq. (1): -log(sum_same exp(-d/T) / sum_others exp(-d/T)), over anchors that
// have a positive.
double snn_reference(Distance dist, const Rows& x, const std::vector<int64_t>& y, double temperature) {
  const size_t n = x.size();
  double total = 0;
  int anchors = 0;
  for (size_t i = 0; i < n; ++i) {
    double same = 0, all = 0;
    bool has_positive = false;
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double e = std::exp(-distance(dist, x[i], x[j]) / temperature);
      all += e;
      if (y[j] == y[i]) same += e, has_positive = true;
    }
    if (!has_positive) continue;
    total += -std::log(same / all);
    ++anchors;
  }
  return anchors == 0 ? 0.0 : total / anchors;
}

}  // namespace

TEST_CASE("soft nearest neighbour loss matches the scalar reference") {
  for (Distance d : sim::all_distances()) {
    for (double t : {1.0, 0.1, 10.0}) {
      INFO("distance " << sim::to_string(d) << ", temperature " << t);
      sim::SoftNearestNeighborLoss loss(d, t);
      const auto x = embeddings_of(kPoints);
      const auto value = loss.forward(x, labels_of(kLabels));
      CHECK(value_of(value) == near(snn_reference(d, kPoints, kLabels, t)));
      check_gradients(value, x);
    }
  }
}

TEST_CASE("soft nearest neighbour loss by hand") {
  // 0, 1, 3 on a line, labels a a b, sqeuclidean, T = 1: anchor 0: -log(e^-1 / (e^-1 + e^-9));
  // anchor 1: -log(e^-1 / (e^-1 + e^-4)); anchor 2 has no positive.
  const Rows x = {{0}, {1}, {3}};
  sim::SoftNearestNeighborLoss loss(Distance::SquaredEuclidean, 1.0);
  const double expected = (std::log1p(std::exp(-8.0)) + std::log1p(std::exp(-3.0))) / 2;
  CHECK(value_of(loss.forward(embeddings_of(x), labels_of({0, 0, 1}))) == near(expected));
}

TEST_CASE("soft nearest neighbour loss on degenerate batches") {
  sim::SoftNearestNeighborLoss loss(Distance::SquaredEuclidean, 1.0);
  const auto x = embeddings_of(kPoints);
  // No positives: nothing to attract, 0.
  check_connected_zero(loss.forward(x, labels_of({0, 1, 2, 3, 4, 5, 6})), x);
  // One class: every neighbour is a positive, the ratio is 1, the loss 0 (every anchor valid).
  check_connected_zero(loss.forward(x, labels_of({4, 4, 4, 4, 4, 4, 4})), x);
  // A small temperature: anchor 5's every exp(-d/T) underflows in float (not in the double reference);
  // log space keeps the loss finite and right.
  sim::SoftNearestNeighborLoss cold(Distance::SquaredEuclidean, 0.01);
  const auto value = cold.forward(x, labels_of(kLabels));
  CHECK(value_of(value) == near(snn_reference(Distance::SquaredEuclidean, kPoints, kLabels, 0.01)));
  check_gradients(value, x);
}
