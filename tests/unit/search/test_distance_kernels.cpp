#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "search/distance_kernels.hpp"

TEST_CASE("sim's HNSW kernels agree with plain loops at every dimension, tails included") {
  const sim::RawDistance l2 = sim::fast_l2_squared();
  const sim::RawDistance ip = sim::fast_inner_product_distance();
  CHECK((l2 == nullptr) == (ip == nullptr));  // both or neither
  if (!l2) return;                            // a build without AVX-512 uses hnswlib's own kernels
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  for (std::size_t dim = 1; dim <= 130; ++dim) {
    CAPTURE(dim);
    // One spare float after each vector that must not be read into the sum.
    std::vector<float> a(dim + 1), b(dim + 1);
    for (std::size_t i = 0; i <= dim; ++i) {
      a[i] = normal(rng);
      b[i] = normal(rng);
    }
    a[dim] = b[dim] = 1e30f;
    double sq = 0, dot = 0;
    for (std::size_t i = 0; i < dim; ++i) {
      sq += double(a[i] - b[i]) * double(a[i] - b[i]);
      dot += double(a[i]) * double(b[i]);
    }
    CHECK(l2(a.data(), b.data(), &dim) == doctest::Approx(sq).epsilon(1e-5));
    CHECK(ip(a.data(), b.data(), &dim) == doctest::Approx(1.0 - dot).epsilon(1e-5));
  }
}
