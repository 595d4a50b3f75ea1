// LibTorch includes glog, whose CHECK (abort on failure) would replace doctest's if it came second.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/distance.hpp"
#include "base/error.hpp"
#include "model/torch_distance.hpp"

using sim::Distance;

TEST_CASE("pairwise_distances matches sim::distance for every distance on random data") {
  torch::manual_seed(7);
  const auto a = torch::randn({7, 5});
  const auto b = torch::randn({4, 5});
  for (Distance d : sim::all_distances()) {
    INFO("distance: " << sim::to_string(d));
    const auto got = sim::pairwise_distances(d, a, b);
    REQUIRE(got.sizes() == (std::vector<int64_t>{7, 4}));
    const auto sim_got = sim::pairwise_similarities(d, a, b);
    for (int64_t i = 0; i < 7; ++i) {
      for (int64_t j = 0; j < 4; ++j) {
        const float expected = sim::distance(d, a[i].data_ptr<float>(), b[j].contiguous().data_ptr<float>(), 5);
        CHECK(got[i][j].item<float>() == doctest::Approx(expected).epsilon(1e-5).scale(1.0));
        CHECK(sim_got[i][j].item<float>() == doctest::Approx(1.0 - expected).epsilon(1e-5).scale(1.0));
      }
    }
  }
}

TEST_CASE("cosine treats a zero row as orthogonal, as sim::distance does") {
  const auto a = torch::zeros({1, 3});
  const auto b = torch::tensor({1.0f, 2.0f, 3.0f}).reshape({1, 3});
  CHECK(sim::pairwise_distances(Distance::Cosine, a, b).item<float>() == doctest::Approx(1.0));
}

TEST_CASE("gradients stay finite at zero distance") {
  // The diagonal of a batch's own distance matrix is 0; identical rows elsewhere too.
  for (Distance d : sim::all_distances()) {
    INFO("distance: " << sim::to_string(d));
    auto x = torch::tensor({1.0f, 2.0f, 1.0f, 2.0f, 0.0f, 0.0f}).reshape({3, 2}).set_requires_grad(true);
    const auto dist = sim::pairwise_distances(d, x, x);
    CHECK(torch::isfinite(dist).all().item<bool>());
    dist.sum().backward();
    CHECK(torch::isfinite(x.grad()).all().item<bool>());
  }
  // Away from 0, euclidean's gradient is the unit difference vector: d|a-b|/da = (a-b)/|a-b|.
  auto a = torch::tensor({3.0f, 4.0f}).reshape({1, 2}).set_requires_grad(true);
  const auto b = torch::zeros({1, 2});
  sim::pairwise_distances(Distance::Euclidean, a, b).sum().backward();
  CHECK(a.grad()[0][0].item<float>() == doctest::Approx(0.6));
  CHECK(a.grad()[0][1].item<float>() == doctest::Approx(0.8));
}

TEST_CASE("pairwise_distances refuses mismatched shapes") {
  CHECK_THROWS_AS(sim::pairwise_distances(Distance::Cosine, torch::ones({2, 3}), torch::ones({2, 4})), sim::Error);
  CHECK_THROWS_AS(sim::pairwise_distances(Distance::Cosine, torch::ones({3}), torch::ones({2, 3})), sim::Error);
  CHECK_THROWS_AS(sim::pairwise_distances(Distance::Cosine, torch::ones({2, 3}, torch::kLong), torch::ones({2, 3})),
                  sim::Error);
}
