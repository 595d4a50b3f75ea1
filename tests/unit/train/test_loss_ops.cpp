// LibTorch includes glog, whose CHECK (abort on failure) would replace doctest's if it came second.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include <cmath>

#include "base/error.hpp"
#include "train/losses/loss_ops.hpp"

namespace ops = sim::loss_ops;

TEST_CASE("loss label masks") {
  const auto labels = torch::tensor({0, 0, 1}, torch::kLong);
  const auto pos = ops::positive_mask(labels), neg = ops::negative_mask(labels);
  // Row 0: positive 1 (not itself), negative 2. Row 2: no positive.
  CHECK(pos[0][1].item<bool>());
  CHECK_FALSE(pos[0][0].item<bool>());
  CHECK_FALSE(pos[2].any().item<bool>());
  CHECK(neg[0][2].item<bool>());
  CHECK_FALSE(neg[0][1].item<bool>());
  CHECK_FALSE(neg[0][0].item<bool>());
}

TEST_CASE("masked_logsumexp by hand, with empty rows giving 0 and finite gradients") {
  // Row 0 keeps {0, log 2}: log(e^0 + e^log2) = log 3, with add_one log 4. Row 1 keeps nothing.
  auto x = torch::tensor({0.0, std::log(2.0), 5.0, 1.0, 2.0, 3.0}, torch::kFloat).reshape({2, 3});
  x.set_requires_grad(true);
  const auto mask = torch::tensor({true, true, false, false, false, false}).reshape({2, 3});
  const auto plain = ops::masked_logsumexp(x, mask, false);
  const auto plus_one = ops::masked_logsumexp(x, mask, true);
  CHECK(plain[0].item<double>() == doctest::Approx(std::log(3.0)));
  CHECK(plus_one[0].item<double>() == doctest::Approx(std::log(4.0)));
  CHECK(plain[1].item<double>() == 0.0);
  CHECK(plus_one[1].item<double>() == 0.0);
  (plain.sum() + plus_one.sum()).backward();
  CHECK(torch::isfinite(x.grad()).all().item<bool>());
  // d/dx log(1 + e^0 + 2) at x_00: 1/3 (plain) + 1/4 (add_one); masked entries get nothing.
  CHECK(x.grad()[0][0].item<double>() == doctest::Approx(1.0 / 3 + 1.0 / 4));
  CHECK(x.grad()[0][2].item<double>() == 0.0);
  CHECK(x.grad()[1].abs().sum().item<double>() == 0.0);
}

TEST_CASE("masked_logsumexp does not overflow with large or very negative values") {
  const auto x = torch::tensor({1000.0f, 999.0f, -1000.0f, -1001.0f}).reshape({2, 2});
  const auto all = torch::ones({2, 2}, torch::kBool);
  const auto v = ops::masked_logsumexp(x, all, false);
  CHECK(v[0].item<double>() == doctest::Approx(1000.0 + std::log1p(std::exp(-1.0))));
  CHECK(v[1].item<double>() == doctest::Approx(-1000.0 + std::log1p(std::exp(-1.0))));
  // log(1 + tiny) ~ 0, not log(0 + exp(1000)) overflow.
  CHECK(ops::masked_logsumexp(x, all, true)[1].item<double>() == doctest::Approx(0.0));
}

TEST_CASE("mean_over averages valid rows and returns a connected zero when none is valid") {
  auto v = torch::tensor({1.0f, 2.0f, 6.0f}).set_requires_grad(true);
  CHECK(ops::mean_over(v, torch::tensor({true, false, true})).item<double>() == doctest::Approx(3.5));
  const auto none = ops::mean_over(v, torch::zeros({3}, torch::kBool));
  CHECK(none.item<double>() == 0.0);
  CHECK(none.requires_grad());
  none.backward();
  CHECK(v.grad().abs().sum().item<double>() == 0.0);
}

TEST_CASE("check_batch names the wrong tensor") {
  const auto e = torch::zeros({3, 2});
  CHECK_NOTHROW(ops::check_batch(e, torch::zeros({3}, torch::kLong)));
  try {
    ops::check_batch(e, torch::zeros({4}, torch::kLong));
    FAIL("expected an Error");
  } catch (const sim::Error& err) {
    CHECK(err.field() == "labels");
  }
  CHECK_THROWS_AS(ops::check_batch(e, torch::zeros({3}, torch::kFloat)), sim::Error);
  try {
    ops::check_batch(torch::zeros({3}), torch::zeros({3}, torch::kLong));
    FAIL("expected an Error");
  } catch (const sim::Error& err) {
    CHECK(err.field() == "embeddings");
  }
}

TEST_CASE("spread: 1 for opposite unit rows, 0 for identical ones, scale-free") {
  CHECK(sim::loss_ops::spread(torch::tensor({{1.0, 0.0}, {-1.0, 0.0}})) == doctest::Approx(1.0));
  CHECK(sim::loss_ops::spread(torch::tensor({{0.6, 0.8}, {0.6, 0.8}, {0.6, 0.8}})) == doctest::Approx(0.0));
  // Rows (1, 0) and (0, 1): variances 1/4 each, mean squared norm 1: sqrt(1/2).
  CHECK(sim::loss_ops::spread(torch::tensor({{1.0, 0.0}, {0.0, 1.0}})) == doctest::Approx(std::sqrt(0.5)));
  CHECK(sim::loss_ops::spread(torch::tensor({{10.0, 0.0}, {0.0, 10.0}})) == doctest::Approx(std::sqrt(0.5)));
  CHECK(sim::loss_ops::spread(torch::zeros({3, 2})) == 0.0);
  CHECK(sim::loss_ops::spread(torch::ones({1, 2})) == 1.0);  // one row: nothing to compare
}

TEST_CASE("direction spread: rows that differ only in length have none") {
  CHECK(sim::loss_ops::direction_spread(torch::tensor({{1.0, 1.0}, {3.0, 3.0}, {0.5, 0.5}})) == doctest::Approx(0.0));
  CHECK(sim::loss_ops::spread(torch::tensor({{1.0, 1.0}, {3.0, 3.0}, {0.5, 0.5}})) > 0.5);
  CHECK(sim::loss_ops::direction_spread(torch::tensor({{5.0, 0.0}, {-0.1, 0.0}})) == doctest::Approx(1.0));
}
