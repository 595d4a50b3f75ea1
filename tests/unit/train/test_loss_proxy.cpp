#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

constexpr double kPi = 3.14159265358979323846;

enum class Kind { ArcFace, CosFace };

// Deng et al. 2019 / Wang et al. 2018: softmax cross-entropy over s * cos(theta_j), the target's
// replaced by s * cos(theta + m) (ArcFace; cos(theta) - m sin(m) once theta + m > pi) or
// s * (cos(theta) - m) (CosFace). Angles through acos, unlike the implementation.
double proxy_reference(Kind kind, const Rows& x, const std::vector<int64_t>& y, const Rows& w, double m, double s) {
  double total = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    std::vector<double> logits;
    for (size_t j = 0; j < w.size(); ++j) {
      double c = similarity(Distance::Cosine, x[i], w[j]);
      if (int64_t(j) == y[i]) {
        const double theta = std::acos(std::max(-1.0, std::min(1.0, c)));
        if (kind == Kind::CosFace) {
          c -= m;
        } else {
          c = theta + m <= kPi ? std::cos(theta + m) : c - m * std::sin(m);
        }
      }
      logits.push_back(s * c);
    }
    double sum = 0;
    for (double l : logits) sum += std::exp(l - logits[size_t(y[i])]);
    total += std::log(sum);  // -log softmax of the target
  }
  return total / double(x.size());
}

}  // namespace

TEST_CASE("ArcFace and CosFace match the scalar reference, with their learnable proxies") {
  torch::manual_seed(3);
  for (Kind kind : {Kind::ArcFace, Kind::CosFace}) {
    for (auto [m, s] : {std::pair{0.5, 64.0}, std::pair{0.35, 64.0}, std::pair{0.2, 4.0}}) {
      INFO("kind " << int(kind) << ", margin " << m << ", scale " << s);
      std::shared_ptr<sim::ProxyMarginLoss> loss;
      if (kind == Kind::ArcFace) loss = std::make_shared<sim::ArcFaceLoss>(Distance::Cosine, 3, 3, m, s);
      if (kind == Kind::CosFace) loss = std::make_shared<sim::CosFaceLoss>(Distance::Cosine, 3, 3, m, s);
      REQUIRE(loss->has_parameters());
      REQUIRE(loss->parameters().size() == 1);
      CHECK(loss->weight().sizes() == (std::vector<int64_t>{3, 3}));
      const Rows w = rows_of(loss->weight().detach());
      const auto x = embeddings_of(kPoints);
      const auto value = loss->forward(x, labels_of(kLabels));
      CHECK(value_of(value) == near(proxy_reference(kind, kPoints, kLabels, w, m, s)));
      check_gradients(value, x);
      CHECK(loss->weight().grad().defined());
      CHECK(loss->weight().grad().abs().sum().item<double>() > 0);
    }
  }
}

TEST_CASE("ArcFace by hand, including the monotonic fallback past pi - m") {
  sim::ArcFaceLoss loss(Distance::Cosine, 2, 2, 0.5, 1.0);
  {
    torch::NoGradGuard no_grad;
    loss.weight().copy_(torch::tensor({1.0f, 0.0f, 0.0f, 1.0f}).reshape({2, 2}));  // proxies e1, e2
  }
  // x = e1 with label 0: theta = 0, target logit cos(0.5); other logit cos(pi/2) = 0.
  const double near_case = std::log(1 + std::exp(0 - std::cos(0.5)));
  CHECK(value_of(loss.forward(embeddings_of({{2, 0}}), labels_of({0}))) == near(near_case));
  // x = -e1 with label 0: theta = pi > pi - m: logit cos(pi) - 0.5 sin(0.5) = -1 - 0.5 sin 0.5.
  const double far_case = std::log(1 + std::exp(0 - (-1 - 0.5 * std::sin(0.5))));
  const auto x = embeddings_of({{-1, 0}});
  const auto value = loss.forward(x, labels_of({0}));
  CHECK(value_of(value) == near(far_case));
  check_gradients(value, x);  // finite at theta = pi, where acos' derivative would be infinite
}

TEST_CASE("proxy losses refuse labels they have no proxy for, and handle an empty batch") {
  sim::CosFaceLoss loss(Distance::Cosine, 3, 2, 0.35, 64);
  try {
    loss.forward(embeddings_of({{1, 0}}), labels_of({3}));
    FAIL("expected an Error");
  } catch (const sim::Error& e) {
    CHECK(e.field() == "labels");
  }
  CHECK_THROWS_AS(loss.forward(embeddings_of({{1, 0}}), labels_of({-1})), sim::Error);
  const auto empty = torch::zeros({0, 2}).set_requires_grad(true);
  check_connected_zero(loss.forward(empty, torch::zeros({0}, torch::kLong)), empty);
}
