#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "eval/tsne.hpp"

namespace {

// Three tight clusters in 10-d, 30 points each, far apart along different axes.
std::vector<float> clusters(std::vector<int>& labels) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> rows;
  for (int i = 0; i < 90; ++i) {
    const int c = i % 3;
    labels.push_back(c);
    for (int d = 0; d < 10; ++d) rows.push_back((d == c ? 3.0f : 0.0f) + noise(rng));
  }
  return rows;
}

}  // namespace

TEST_CASE("t-SNE keeps clusters apart: every point's nearest point on the map is of its cluster") {
  std::vector<int> labels;
  const std::vector<float> rows = clusters(labels);
  sim::TsneOptions options;
  options.iterations = 500;
  const std::vector<double> y = sim::tsne_2d(rows.data(), 90, 10, sim::Distance::Euclidean, options);
  REQUIRE(y.size() == 180);
  int right = 0;
  double mx = 0, my = 0;
  for (int i = 0; i < 90; ++i) {
    int best = -1;
    double best_d = INFINITY;
    for (int j = 0; j < 90; ++j) {
      if (j == i) continue;
      const double d = std::hypot(y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]);
      if (d < best_d) best_d = d, best = j;
    }
    right += labels[std::size_t(best)] == labels[std::size_t(i)];
    mx += y[2 * i];
    my += y[2 * i + 1];
    CHECK(std::isfinite(y[2 * i]));
  }
  CHECK(right == 90);
  CHECK(std::fabs(mx) < 1e-6);  // centred
  CHECK(std::fabs(my) < 1e-6);
  // No random numbers: the same input gives the same map, to the bit.
  CHECK(sim::tsne_2d(rows.data(), 90, 10, sim::Distance::Euclidean, options) == y);
}

TEST_CASE("t-SNE of fewer than two points is zeros; three points work (perplexity lowered)") {
  const std::vector<float> one{1, 2};
  CHECK(sim::tsne_2d(one.data(), 1, 2, sim::Distance::Cosine) == std::vector<double>{0, 0});
  CHECK(sim::tsne_2d(one.data(), 0, 2, sim::Distance::Cosine).empty());
  const std::vector<float> three{1, 0, 0, 1, 1, 1};
  const std::vector<double> y = sim::tsne_2d(three.data(), 3, 2, sim::Distance::Cosine);
  REQUIRE(y.size() == 6);
  for (const double v : y) CHECK(std::isfinite(v));
}
