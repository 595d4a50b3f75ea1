#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>

#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

// Sun et al. 2020, eq. (4) with O_p = 1 + m, O_n = -m, Delta_p = 1 - m, Delta_n = m.
double circle_reference(const Rows& x, const std::vector<int64_t>& y, double m, double gamma) {
  const size_t n = x.size();
  double total = 0;
  int anchors = 0;
  for (size_t i = 0; i < n; ++i) {
    double positive_sum = 0, negative_sum = 0;
    int positives = 0, negatives = 0;
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double s = similarity(Distance::Cosine, x[i], x[j]);
      if (y[j] == y[i]) {
        positive_sum += std::exp(-gamma * std::max(0.0, 1 + m - s) * (s - (1 - m)));
        ++positives;
      } else {
        negative_sum += std::exp(gamma * std::max(0.0, s + m) * (s - m));
        ++negatives;
      }
    }
    if (positives == 0 || negatives == 0) continue;
    total += std::log1p(positive_sum * negative_sum);
    ++anchors;
  }
  return anchors == 0 ? 0.0 : total / anchors;
}

}  // namespace

TEST_CASE("circle loss matches the scalar reference") {
  for (auto [m, gamma] : {std::pair{0.4, 80.0}, std::pair{0.25, 256.0}, std::pair{0.25, 4.0}}) {
    INFO("m " << m << ", gamma " << gamma);
    sim::CircleLoss loss(Distance::Cosine, m, gamma);
    const auto x = embeddings_of(kPoints);
    const auto value = loss.forward(x, labels_of(kLabels));
    CHECK(value_of(value) == near(circle_reference(kPoints, kLabels, m, gamma)));
    check_gradients(value, x);
  }
}

TEST_CASE("circle loss by hand") {
  // Unit vectors x0 = (1,0), x1 = (0,1) same class, x2 = (1,0) another class; m = 0.25, gamma = 1.
  // Anchor 0: s_p = 0 -> a_p = 1.25, logit -1.25 (0 - 0.75) = 0.9375;
  //           s_n = 1 -> a_n = 1.25, logit 1.25 (1 - 0.25) = 0.9375.
  //           loss log(1 + e^0.9375 e^0.9375) = log(1 + e^1.875). Anchor 1: s_p = 0, s_n = 0 ->
  //           a_n = 0.25, logit 0.25 (0 - 0.25) = -0.0625: log(1 + e^{0.9375 - 0.0625}).
  const Rows x = {{1, 0}, {0, 1}, {1, 0}};
  sim::CircleLoss loss(Distance::Cosine, 0.25, 1.0);
  const double expected = (std::log1p(std::exp(1.875)) + std::log1p(std::exp(0.875))) / 2;
  CHECK(value_of(loss.forward(embeddings_of(x), labels_of({0, 0, 1}))) == near(expected));
}

TEST_CASE("circle loss on degenerate batches") {
  sim::CircleLoss loss(Distance::Cosine, 0.4, 80);
  const auto x = embeddings_of(kPoints);
  check_connected_zero(loss.forward(x, labels_of({0, 0, 0, 0, 0, 0, 0})), x);
  check_connected_zero(loss.forward(x, labels_of({0, 1, 2, 3, 4, 5, 6})), x);
  const std::vector<int64_t> y = {0, 0, 0, 1, 1, 2, 3};
  const auto value = loss.forward(x, labels_of(y));
  CHECK(value_of(value) == near(circle_reference(kPoints, y, 0.4, 80)));
  check_gradients(value, x);
}
