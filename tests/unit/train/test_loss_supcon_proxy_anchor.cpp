// SupCon and Proxy-Anchor (train/losses/loss_implementations.hpp) against loops written from the
// papers' equations, and by hand.
#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

// Named, not anonymous: a unity build puts the loss tests in one translation unit.
namespace supcon_test {

// Khosla et al. 2020, equation 2 (L^sup_out), averaged over the anchors with a positive.
double supcon_reference(Distance dist, const Rows& x, const std::vector<int64_t>& labels, double t) {
  double total = 0;
  int anchors = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double denominator = 0;
    for (size_t k = 0; k < x.size(); ++k) {
      if (k != i) denominator += std::exp(similarity(dist, x[i], x[k]) / t);
    }
    double sum = 0;
    int positives = 0;
    for (size_t p = 0; p < x.size(); ++p) {
      if (p == i || labels[p] != labels[i]) continue;
      sum += std::log(std::exp(similarity(dist, x[i], x[p]) / t) / denominator);
      ++positives;
    }
    if (positives == 0) continue;
    total += -sum / positives;
    ++anchors;
  }
  return anchors == 0 ? 0 : total / anchors;
}

// Kim et al. 2020, equation 4.
double proxy_anchor_reference(const Rows& x, const std::vector<int64_t>& labels, const Rows& proxies, double alpha,
                              double delta) {
  double positive = 0, negative = 0;
  int with_items = 0;
  for (size_t p = 0; p < proxies.size(); ++p) {
    double pos = 0, neg = 0;
    bool any = false;
    for (size_t i = 0; i < x.size(); ++i) {
      const double s = similarity(Distance::Cosine, x[i], proxies[p]);
      if (labels[i] == int64_t(p)) {
        pos += std::exp(-alpha * (s - delta));
        any = true;
      } else {
        neg += std::exp(alpha * (s + delta));
      }
    }
    if (any) {
      positive += std::log1p(pos);
      ++with_items;
    }
    negative += std::log1p(neg);
  }
  return positive / std::max(1, with_items) + negative / double(proxies.size());
}

}  // namespace supcon_test

using namespace supcon_test;

TEST_CASE("SupCon matches the scalar reference; an anchor without positives is left out") {
  for (Distance d : sim::all_distances()) {
    for (double t : {0.1, 0.5}) {
      INFO("distance " << sim::to_string(d) << ", temperature " << t);
      sim::SupConLoss loss(d, t);
      const auto x = embeddings_of(kPoints);
      const auto value = loss.forward(x, labels_of(kLabels));
      CHECK(value_of(value) == near(supcon_reference(d, kPoints, kLabels, t)));
      check_gradients(value, x);
    }
  }
  // By hand, cosine, T = 1: rows e1, e1, e2 with labels 0, 0, 1. Row 0: positive row 1 (s 1),
  // others s 1 and 0: -log(e / (e + 1)); row 1 likewise; row 2 has no positive.
  sim::SupConLoss loss(Distance::Cosine, 1.0);
  const double expected = std::log1p(std::exp(-1.0));
  CHECK(value_of(loss.forward(embeddings_of({{1, 0}, {1, 0}, {0, 1}}), labels_of({0, 0, 1}))) == near(expected));
  const auto lonely = embeddings_of({{1, 0}, {0, 1}});
  check_connected_zero(loss.forward(lonely, labels_of({0, 1})), lonely);
}

TEST_CASE("Proxy-Anchor matches the scalar reference with its own proxies; labels must have one") {
  torch::manual_seed(11);
  for (double alpha : {32.0, 4.0}) {
    sim::ProxyAnchorLoss loss(Distance::Cosine, 4, 3, alpha, 0.1);
    const auto x = embeddings_of(kPoints);
    const auto value = loss.forward(x, labels_of(kLabels));
    const Rows proxies = rows_of(loss.named_parameters()["weight"]);
    CHECK(value_of(value) == near(proxy_anchor_reference(kPoints, kLabels, proxies, alpha, 0.1)));
    check_gradients(value, x);
    REQUIRE(loss.named_parameters()["weight"].grad().defined());
  }
  // By hand: one item e1 of class 0; proxies e1 (class 0) and e2 (class 1); alpha 1, delta 0.
  // Positive: log(1 + e^-1) over the one proxy with items; negative: proxy 0 has none (log 1),
  // proxy 1 sees the item at cos 0: log(1 + 1), over the 2 proxies.
  sim::ProxyAnchorLoss loss(Distance::Cosine, 2, 2, 1.0, 0.0);
  {
    torch::NoGradGuard no_grad;
    loss.named_parameters()["weight"].copy_(torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}}));
  }
  CHECK(value_of(loss.forward(embeddings_of({{1, 0}}), labels_of({0}))) ==
        near(std::log1p(std::exp(-1.0)) + std::log(2.0) / 2));
  try {
    loss.forward(embeddings_of({{1, 0}}), labels_of({2}));
    FAIL("expected an Error");
  } catch (const sim::Error& e) {
    CHECK(e.field() == "labels");
  }
}
