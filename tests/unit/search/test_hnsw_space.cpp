#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "base/error.hpp"
#include "search/hnsw_space.hpp"

using sim::Distance;

TEST_CASE("hnswlib's kernels agree with the reference distance for every servable distance") {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  // 37 dimensions: not a multiple of 16, so hnswlib's residual SIMD paths are exercised too.
  for (std::size_t dim : {4u, 16u, 37u}) {
    for (Distance d : sim::all_distances()) {
      if (!sim::hnsw_can_serve(d)) continue;
      for (int trial = 0; trial < 20; ++trial) {
        std::vector<float> a(dim), b(dim);
        for (auto& x : a) x = normal(rng);
        for (auto& x : b) x = normal(rng);
        // Reference for cosine: hnswlib sees normalised vectors, as an index would store them.
        const float expected = sim::distance(d, a.data(), b.data(), dim);
        const float got = sim::hnsw_distance(d, a.data(), b.data(), dim);
        REQUIRE(got == doctest::Approx(expected).epsilon(1e-4).scale(1.0));
      }
    }
  }
}

TEST_CASE("manhattan has no hnswlib space") {
  const float a[] = {1, 2}, b[] = {3, 4};
  CHECK_THROWS_AS(sim::hnsw_distance(Distance::Manhattan, a, b, 2), sim::UsageError);
}
