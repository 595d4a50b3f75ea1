#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/distance.hpp"
#include "base/error.hpp"

using sim::Distance;

TEST_CASE("distance names round-trip and aliases parse") {
  for (Distance d : sim::all_distances()) CHECK(sim::parse_distance(sim::to_string(d)) == d);
  CHECK(sim::parse_distance("L2") == Distance::Euclidean);
  CHECK(sim::parse_distance("l2sq") == Distance::SquaredEuclidean);
  CHECK(sim::parse_distance("squared_euclidean") == Distance::SquaredEuclidean);
  CHECK(sim::parse_distance("dot") == Distance::InnerProduct);
  CHECK(sim::parse_distance("ip") == Distance::InnerProduct);
  CHECK(sim::parse_distance("Cityblock") == Distance::Manhattan);
  CHECK(sim::to_string(Distance::InnerProduct) == "inner_product");
}

TEST_CASE("an unknown distance is a usage error listing the valid names") {
  try {
    sim::parse_distance("hamming");
    FAIL("expected a UsageError");
  } catch (const sim::UsageError& e) {
    const std::string message = e.what();
    CHECK(message.find("hamming") != std::string::npos);
    CHECK(message.find("cosine, euclidean, sqeuclidean, inner_product, manhattan") != std::string::npos);
    CHECK(e.field() == "--distance");
  }
}

TEST_CASE("reference distances on a worked example") {
  // a = (3, 4), b = (0, 1): |a| = 5, <a,b> = 4, a - b = (3, 3).
  const float a[] = {3, 4}, b[] = {0, 1};
  CHECK(sim::distance(Distance::Cosine, a, b, 2) == doctest::Approx(1.0 - 4.0 / 5.0));
  CHECK(sim::distance(Distance::Euclidean, a, b, 2) == doctest::Approx(std::sqrt(18.0)));
  CHECK(sim::distance(Distance::SquaredEuclidean, a, b, 2) == doctest::Approx(18.0));
  CHECK(sim::distance(Distance::InnerProduct, a, b, 2) == doctest::Approx(1.0 - 4.0));
  CHECK(sim::distance(Distance::Manhattan, a, b, 2) == doctest::Approx(6.0));
}

TEST_CASE("cosine of a zero vector is treated as orthogonal") {
  const float zero[] = {0, 0}, b[] = {1, 2};
  CHECK(sim::distance(Distance::Cosine, zero, b, 2) == doctest::Approx(1.0));
}

TEST_CASE("hnswlib mapping") {
  CHECK(sim::hnsw_mapping(Distance::Cosine).space == sim::HnswSpace::InnerProduct);
  CHECK(sim::hnsw_mapping(Distance::Cosine).normalize);
  CHECK_FALSE(sim::hnsw_mapping(Distance::InnerProduct).normalize);
  CHECK(sim::hnsw_mapping(Distance::Euclidean).space == sim::HnswSpace::L2);
  CHECK(sim::hnsw_mapping(Distance::SquaredEuclidean).space == sim::HnswSpace::L2);
  CHECK_FALSE(sim::hnsw_can_serve(Distance::Manhattan));
  CHECK_THROWS_AS(sim::hnsw_mapping(Distance::Manhattan), sim::UsageError);

  // hnswlib's L2 space returns squared distances: euclidean takes the root, and a tiny negative
  // from rounding becomes 0 rather than NaN.
  CHECK(sim::from_hnsw(Distance::Euclidean, 9.0f) == doctest::Approx(3.0));
  CHECK(sim::from_hnsw(Distance::Euclidean, -1e-7f) == 0.0f);
  CHECK(sim::from_hnsw(Distance::SquaredEuclidean, 9.0f) == doctest::Approx(9.0));
}

TEST_CASE("l2_normalize") {
  float v[] = {3, 4};
  CHECK(sim::l2_normalize(v, 2) == doctest::Approx(5.0));
  CHECK(v[0] == doctest::Approx(0.6));
  CHECK(v[1] == doctest::Approx(0.8));
  float zero[] = {0, 0};
  CHECK(sim::l2_normalize(zero, 2) == 0.0f);
  CHECK(zero[0] == 0.0f);
}

TEST_CASE("vector_problem: NaN, infinity and norms whose distances overflow") {
  const float fine[3] = {1e18f, -1e18f, 3.0f};
  CHECK(sim::vector_problem(fine, 3).empty());
  const float nan[2] = {1.0f, std::nanf("")};
  CHECK(sim::vector_problem(nan, 2) == "holds NaN or infinity");
  const float huge[2] = {1e38f, 0.0f};  // finite, but |a - b|^2 is inf for its opposite
  CHECK(sim::vector_problem(huge, 2).find("has norm 1e+38") == 0);
  const float many[4] = {6e18f, 6e18f, 6e18f, 6e18f};  // each fine, the norm (1.2e19) is not
  CHECK_FALSE(sim::vector_problem(many, 4).empty());
}

namespace {

// The documented order of the exact sums, written out plainly: eight running sums over i mod 8,
// combined pairwise (0+4, 1+5, ... then 0+2, 1+3, then 0+1).
double lanes_reference(const float* a, const float* b, std::size_t dim, bool squared_l2) {
  double lanes[8] = {};
  for (std::size_t i = 0; i < dim; ++i) {
    const double term =
        squared_l2 ? (double(a[i]) - double(b[i])) * (double(a[i]) - double(b[i])) : double(a[i]) * double(b[i]);
    lanes[i % 8] += term;
  }
  for (std::size_t width = 4; width > 0; width /= 2) {
    for (std::size_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  }
  return lanes[0];
}

}  // namespace

TEST_CASE("exact sums: a fixed order, the same bits one by one and in bulk, for every dimension") {
  std::mt19937_64 rng(17);
  std::normal_distribution<float> normal;
  for (std::size_t dim : {1, 7, 8, 9, 64, 100, 1024, 1031}) {
    CAPTURE(dim);
    std::vector<float> rows(50 * dim), query(dim);
    for (float& x : rows) x = normal(rng);
    for (float& x : query) x = normal(rng) * 3.0f;
    // Eleven: two groups of four (the vector kernel's) and three alone, repeats included.
    std::vector<std::uint32_t> positions = {49, 0, 3, 3, 17, 48, 1, 2, 25, 30, 44};
    std::vector<double> dots(positions.size()), squares(positions.size());
    sim::exact_sums(sim::ExactSum::Dot, query.data(), rows.data(), dim, positions.data(), positions.size(),
                    dots.data());
    sim::exact_sums(sim::ExactSum::SquaredL2, query.data(), rows.data(), dim, positions.data(), positions.size(),
                    squares.data());
    for (std::size_t j = 0; j < positions.size(); ++j) {
      const float* x = rows.data() + positions[j] * dim;
      CHECK(sim::exact_dot(query.data(), x, dim) == lanes_reference(query.data(), x, dim, false));
      CHECK(sim::exact_squared_l2(query.data(), x, dim) == lanes_reference(query.data(), x, dim, true));
      CHECK(dots[j] == sim::exact_dot(query.data(), x, dim));
      CHECK(squares[j] == sim::exact_squared_l2(query.data(), x, dim));
      CHECK(sim::distance(Distance::InnerProduct, query.data(), x, dim) == float(1.0 - dots[j]));
      CHECK(sim::distance(Distance::SquaredEuclidean, query.data(), x, dim) == float(squares[j]));
    }
  }
}
