#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "eval/projection.hpp"

TEST_CASE("PCA finds the axes of a stretched cloud") {
  // Points on a 3-D grid stretched 10x along z and 3x along x: the first component is z, the
  // second x; the variance fractions follow 100 : 9 : 1.
  std::vector<float> rows;
  for (int a = -1; a <= 1; a += 2) {
    for (int b = -1; b <= 1; b += 2) {
      for (int c = -1; c <= 1; c += 2) {
        rows.insert(rows.end(), {3.0f * float(a) + 5, float(b), 10.0f * float(c)});
      }
    }
  }
  const sim::Projection2d p = sim::project_2d(rows.data(), 8, 3, sim::Distance::Euclidean);
  REQUIRE(p.x.size() == 8);
  for (std::size_t r = 0; r < 8; ++r) {
    CHECK(std::fabs(p.x[r]) == doctest::Approx(10.0));  // the z coordinate, centred
    CHECK(std::fabs(p.y[r]) == doctest::Approx(3.0));   // the x coordinate, centred (mean 5 removed)
  }
  CHECK(p.explained[0] == doctest::Approx(100.0 / 110.0));
  CHECK(p.explained[1] == doctest::Approx(9.0 / 110.0));
}

TEST_CASE("PCA degenerate inputs") {
  const std::vector<float> same{1, 2, 1, 2, 1, 2};
  const sim::Projection2d p = sim::project_2d(same.data(), 3, 2, sim::Distance::Euclidean);
  CHECK(p.x == std::vector<double>{0, 0, 0});
  CHECK(p.explained[0] == 0.0);
  CHECK(sim::project_2d(same.data(), 0, 2, sim::Distance::Euclidean).x.empty());
  const sim::Projection2d one = sim::project_2d(same.data(), 2, 1, sim::Distance::Euclidean);
  CHECK(one.y == std::vector<double>{0, 0});
}
