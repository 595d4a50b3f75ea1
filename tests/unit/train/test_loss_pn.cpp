#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>
#include <limits>

#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using sim::TripletMining;
using namespace sim_test;

namespace {

// Szubert et al. 2019 (ivis): [d(a,p) - min(d(a,n), d(p,n)) + m]_+ with per-anchor mining.
double pn_reference(Distance dist, const Rows& x, const std::vector<int64_t>& y, double margin, TripletMining mining,
                    bool soft) {
  const size_t n = x.size();
  const auto d = [&](size_t i, size_t j) { return distance(dist, x[i], x[j]); };
  const double inf = std::numeric_limits<double>::infinity();
  double total = 0;
  int anchors = 0;
  for (size_t a = 0; a < n; ++a) {
    size_t p = n, q = n;  // chosen positive and negative
    for (size_t j = 0; j < n; ++j) {
      if (j == a || y[j] != y[a]) continue;
      const bool better = p == n || (mining == TripletMining::Easy ? d(a, j) < d(a, p) : d(a, j) > d(a, p));
      if (better) p = j;
    }
    double best = inf;
    for (size_t j = 0; j < n; ++j) {
      if (y[j] == y[a]) continue;
      const bool allowed = mining != TripletMining::SemiHard || (p < n && d(a, j) > d(a, p));
      if (allowed && d(a, j) < best) best = d(a, j), q = j;
    }
    if (mining == TripletMining::SemiHard && q == n) {  // nothing beyond the positive: the farthest
      double worst = -inf;
      for (size_t j = 0; j < n; ++j) {
        if (y[j] != y[a] && d(a, j) > worst) worst = d(a, j), q = j;
      }
    }
    if (p == n || q == n) continue;
    const double gap = d(a, p) - std::min(d(a, q), d(p, q));
    total += soft ? std::log1p(std::exp(gap)) : std::max(0.0, gap + margin);
    ++anchors;
  }
  return anchors == 0 ? 0.0 : total / anchors;
}

}  // namespace

TEST_CASE("PN loss matches the scalar reference") {
  for (TripletMining mining : {TripletMining::Hard, TripletMining::SemiHard, TripletMining::Easy}) {
    for (Distance d : {Distance::Cosine, Distance::Euclidean, Distance::Manhattan}) {
      for (bool soft : {false, true}) {
        INFO("mining " << int(mining) << ", distance " << sim::to_string(d) << ", soft " << soft);
        sim::PnLoss loss(d, 1.0, mining, soft);
        const auto x = embeddings_of(kPoints);
        const auto value = loss.forward(x, labels_of(kLabels));
        CHECK(value_of(value) == near(pn_reference(d, kPoints, kLabels, 1.0, mining, soft)));
        check_gradients(value, x);
      }
    }
  }
}

TEST_CASE("PN loss by hand: the positive's distance to the negative counts") {
  // a = 0, p = 1, n = 1.5 on a line (euclidean), margin 1, batch hard. Anchor a: d_ap = 1,
  // d_an = 1.5, d_pn = 0.5 -> [1 - 0.5 + 1]_+ = 1.5 (a triplet loss would give 0.5).
  // Anchor p (its positive is a): d(p,a) = 1, d(p,n) = 0.5, d(a,n) = 1.5 -> 1.5 too. n has no positive.
  const Rows x = {{0}, {1}, {1.5}};
  sim::PnLoss loss(Distance::Euclidean, 1.0, TripletMining::Hard, false);
  CHECK(value_of(loss.forward(embeddings_of(x), labels_of({0, 0, 1}))) == near(1.5));
}

TEST_CASE("PN loss on degenerate batches") {
  sim::PnLoss loss(Distance::Cosine, 1.0, TripletMining::SemiHard, false);
  const auto x = embeddings_of(kPoints);
  check_connected_zero(loss.forward(x, labels_of({2, 2, 2, 2, 2, 2, 2})), x);
  check_connected_zero(loss.forward(x, labels_of({0, 1, 2, 3, 4, 5, 6})), x);
  const std::vector<int64_t> y = {0, 0, 0, 1, 1, 2, 5};
  const auto value = loss.forward(x, labels_of(y));
  CHECK(value_of(value) == near(pn_reference(Distance::Cosine, kPoints, y, 1.0, TripletMining::SemiHard, false)));
  check_gradients(value, x);
}
