#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

// Chen et al. 2020 (SimCLR), eq. (1), averaged over all 2B rows; row i's other view is i + B mod 2B.
double ntxent_reference(Distance dist, const Rows& x, double temperature) {
  const size_t n = x.size(), half = n / 2;
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t j = (i + half) % n;
    double denominator = 0;
    for (size_t k = 0; k < n; ++k) {
      if (k != i) denominator += std::exp(similarity(dist, x[i], x[k]) / temperature);
    }
    total += -std::log(std::exp(similarity(dist, x[i], x[j]) / temperature) / denominator);
  }
  return total / double(n);
}

}  // namespace

TEST_CASE("NT-Xent matches the scalar reference") {
  const Rows views = {kPoints[0], kPoints[1], kPoints[3], kPoints[5], kPoints[2], kPoints[6], kPoints[4], kPoints[1]};
  for (Distance d : sim::all_distances()) {
    for (double t : {0.5, 0.1}) {
      INFO("distance " << sim::to_string(d) << ", temperature " << t);
      sim::NtXentLoss loss(d, t);
      CHECK(loss.needs_two_views());
      const auto x = embeddings_of(views);
      const auto value = loss.forward(x, torch::Tensor());  // labels are not used
      CHECK(value_of(value) == near(ntxent_reference(d, views, t)));
      check_gradients(value, x);
    }
  }
}

TEST_CASE("NT-Xent by hand") {
  // Two items, unit vectors: views e1, e2 (rows 0, 1) and e1, -e2 (rows 2, 3); T = 1, cosine.
  // Row 0: positive row 2 (s = 1); others rows 1, 3 (s = 0): -log(e / (e + 2)).
  // Row 1: positive row 3 (s = -1); others 0 (0), 2 (0): -log(e^-1 / (e^-1 + 2)).
  // Row 2: positive row 0 (1); others 1 (0), 3 (0): as row 0. Row 3: positive row 1 (-1): as row 1.
  const Rows x = {{1, 0}, {0, 1}, {1, 0}, {0, -1}};
  sim::NtXentLoss loss(Distance::Cosine, 1.0);
  const double expected = (std::log1p(2 * std::exp(-1.0)) + std::log1p(2 * std::exp(1.0))) / 2;
  CHECK(value_of(loss.forward(embeddings_of(x), torch::Tensor())) == near(expected));
}

TEST_CASE("NT-Xent on degenerate batches") {
  sim::NtXentLoss loss(Distance::Cosine, 0.5);
  // One item: each view's only other row is its positive: no negatives, loss 0.
  const auto pair = embeddings_of({{1, 2}, {3, 1}});
  check_connected_zero(loss.forward(pair, torch::Tensor()), pair);
  const auto empty = torch::zeros({0, 2}).set_requires_grad(true);
  check_connected_zero(loss.forward(empty, torch::Tensor()), empty);
  try {
    loss.forward(embeddings_of({{1, 0}, {0, 1}, {1, 1}}), torch::Tensor());
    FAIL("expected an Error");
  } catch (const sim::Error& e) {
    CHECK(e.field() == "embeddings");
  }
}
