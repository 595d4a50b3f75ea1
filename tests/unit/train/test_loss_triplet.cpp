#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>
#include <limits>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/losses/loss_ops.hpp"

using sim::Distance;
using sim::TripletMining;
using namespace sim_test;

namespace {

double hinge_or_soft(double gap, double margin, bool soft) {
  return soft ? std::log1p(std::exp(gap)) : std::max(0.0, gap + margin);
}

// Per-anchor mining written out: FaceNet semi-hard, Hermans batch hard, Xuan et al. easy positive.
double triplet_reference(Distance dist, const Rows& x, const std::vector<int64_t>& y, double margin,
                         TripletMining mining, bool soft) {
  const size_t n = x.size();
  const auto d = [&](size_t i, size_t j) { return distance(dist, x[i], x[j]); };
  const double inf = std::numeric_limits<double>::infinity();
  if (mining == TripletMining::All) {
    double total = 0;
    int counted = 0;
    for (size_t a = 0; a < n; ++a) {
      for (size_t p = 0; p < n; ++p) {
        if (p == a || y[p] != y[a]) continue;
        for (size_t q = 0; q < n; ++q) {
          if (y[q] == y[a]) continue;
          const double l = hinge_or_soft(d(a, p) - d(a, q), margin, soft);
          total += l;
          if (soft || l > 0) ++counted;
        }
      }
    }
    return counted == 0 ? 0.0 : total / counted;
  }
  double total = 0;
  int anchors = 0;
  for (size_t a = 0; a < n; ++a) {
    double far_pos = -inf, near_pos = inf, near_neg = inf, far_neg = -inf;
    for (size_t j = 0; j < n; ++j) {
      if (j == a) continue;
      if (y[j] == y[a]) {
        far_pos = std::max(far_pos, d(a, j));
        near_pos = std::min(near_pos, d(a, j));
      } else {
        near_neg = std::min(near_neg, d(a, j));
        far_neg = std::max(far_neg, d(a, j));
      }
    }
    if (far_pos == -inf || near_neg == inf) continue;
    double d_ap = far_pos, d_an = near_neg;
    if (mining == TripletMining::Easy) d_ap = near_pos;
    if (mining == TripletMining::SemiHard) {
      double semi_hard = inf;
      for (size_t j = 0; j < n; ++j) {
        if (y[j] != y[a] && d(a, j) > d_ap) semi_hard = std::min(semi_hard, d(a, j));
      }
      d_an = semi_hard < inf ? semi_hard : far_neg;
    }
    total += hinge_or_soft(d_ap - d_an, margin, soft);
    ++anchors;
  }
  return anchors == 0 ? 0.0 : total / anchors;
}

}  // namespace

TEST_CASE("triplet loss matches the scalar reference for every mining, distance and margin kind") {
  for (TripletMining mining : {TripletMining::Hard, TripletMining::SemiHard, TripletMining::Easy, TripletMining::All}) {
    for (Distance d : sim::all_distances()) {
      for (bool soft : {false, true}) {
        INFO("mining " << int(mining) << ", distance " << sim::to_string(d) << ", soft " << soft);
        sim::TripletLoss loss(d, 0.2, mining, soft);
        const auto x = embeddings_of(kPoints);
        const auto value = loss.forward(x, labels_of(kLabels));
        CHECK(value_of(value) == near(triplet_reference(d, kPoints, kLabels, 0.2, mining, soft)));
        check_gradients(value, x);
      }
    }
  }
}

TEST_CASE("triplet loss by hand on a line") {
  // Points 0, 1, 3 on a line (as 1-D rows), labels a a b; euclidean distances d01 = 1, d02 = 3,
  // d12 = 2. Batch hard, margin 0.2: anchor 0: [1 - 3 + 0.2]_+ = 0; anchor 1: [1 - 2 + 0.2]_+ = 0;
  // anchor 2 has no positive. Margin 1.5: anchor 0: 0, anchor 1: 0.5 -> mean 0.25.
  const Rows x = {{0}, {1}, {3}};
  const auto y = labels_of({0, 0, 1});
  CHECK(value_of(sim::TripletLoss(Distance::Euclidean, 0.2, TripletMining::Hard, false).forward(embeddings_of(x), y)) ==
        0.0);
  CHECK(value_of(sim::TripletLoss(Distance::Euclidean, 1.5, TripletMining::Hard, false).forward(embeddings_of(x), y)) ==
        near(0.25));
  // Batch all, margin 1.5: triplets (0,1,2): 0 and (1,0,2): 0.5; mean over the non-zero one: 0.5.
  CHECK(value_of(sim::TripletLoss(Distance::Euclidean, 1.5, TripletMining::All, false).forward(embeddings_of(x), y)) ==
        near(0.5));
}

TEST_CASE("semi-hard mining picks the closest negative beyond the positive, else the farthest") {
  const auto mine = [](const Rows& x, const std::vector<int64_t>& labels) {
    const auto y = labels_of(labels);
    const auto d = torch::cdist(embeddings_of(x, false), embeddings_of(x, false));
    return sim::mine_triplets(d, sim::loss_ops::positive_mask(y), sim::loss_ops::negative_mask(y),
                              TripletMining::SemiHard);
  };
  // Anchor 0 at 0, its positive at 2; negatives at 1 (hard), 3 and 5 (beyond the positive): 3 wins.
  const auto beyond = mine({{0}, {2}, {1}, {3}, {5}}, {0, 0, 1, 1, 1});
  CHECK(beyond.positive[0].item<int64_t>() == 1);
  CHECK(beyond.negative[0].item<int64_t>() == 3);
  // Anchor 0 at 0, its positive at 4; negatives at 1 and 2, none beyond: the farthest, at 2.
  const auto fallback = mine({{0}, {4}, {1}, {2}}, {0, 0, 1, 1});
  CHECK(fallback.negative[0].item<int64_t>() == 3);
  CHECK(fallback.valid.all().item<bool>());
}

TEST_CASE("triplet loss on degenerate batches") {
  for (TripletMining mining : {TripletMining::Hard, TripletMining::SemiHard, TripletMining::Easy, TripletMining::All}) {
    INFO("mining " << int(mining));
    sim::TripletLoss loss(Distance::Euclidean, 0.2, mining, false);
    const auto x = embeddings_of(kPoints);
    check_connected_zero(loss.forward(x, labels_of({1, 1, 1, 1, 1, 1, 1})), x);
    check_connected_zero(loss.forward(x, labels_of({0, 1, 2, 3, 4, 5, 6})), x);
    // Identical embeddings: zero distances, finite gradients.
    const auto same = embeddings_of({{1, 2}, {1, 2}, {1, 2}, {1, 2}});
    const auto value = loss.forward(same, labels_of({0, 0, 1, 1}));
    CHECK(value_of(value) == near(0.2));
    check_gradients(value, same, /*nonzero=*/false);
  }
  // A singleton is left out of the mean.
  const std::vector<int64_t> y = {0, 0, 0, 1, 1, 2, 7};
  sim::TripletLoss loss(Distance::Cosine, 0.2, TripletMining::Hard, false);
  CHECK(value_of(loss.forward(embeddings_of(kPoints), labels_of(y))) ==
        near(triplet_reference(Distance::Cosine, kPoints, y, 0.2, TripletMining::Hard, false)));
}

TEST_CASE("triplet mining names parse") {
  CHECK(sim::parse_triplet_mining("semi-hard", "--triplet-mining") == TripletMining::SemiHard);
  CHECK(sim::parse_triplet_mining("all", "--triplet-mining") == TripletMining::All);
  try {
    sim::parse_triplet_mining("semihard", "--pn-mining");
    FAIL("expected a UsageError");
  } catch (const sim::UsageError& e) {
    CHECK(e.field() == "--pn-mining");
  }
}
