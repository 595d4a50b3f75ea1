#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>

#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

// Hadsell et al. 2006 (unsquared, as pytorch-metric-learning): mean over the non-zero positive
// pair losses plus mean over the non-zero negative pair losses, over ordered pairs i != j.
double contrastive_reference(Distance dist, const Rows& x, const std::vector<int64_t>& y, double pos_margin,
                             double neg_margin) {
  double pos_sum = 0, neg_sum = 0;
  int pos_count = 0, neg_count = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    for (size_t j = 0; j < x.size(); ++j) {
      if (i == j) continue;
      const double d = distance(dist, x[i], x[j]);
      if (y[i] == y[j]) {
        const double l = std::max(0.0, d - pos_margin);
        pos_sum += l, pos_count += l > 0;
      } else {
        const double l = std::max(0.0, neg_margin - d);
        neg_sum += l, neg_count += l > 0;
      }
    }
  }
  return (pos_count ? pos_sum / pos_count : 0.0) + (neg_count ? neg_sum / neg_count : 0.0);
}

}  // namespace

TEST_CASE("contrastive loss matches the scalar reference") {
  for (Distance d : sim::all_distances()) {
    for (auto [pos_margin, neg_margin] : {std::pair{0.0, 1.0}, std::pair{0.2, 0.8}, std::pair{-0.5, 2.5}}) {
      INFO("distance " << sim::to_string(d) << ", margins " << pos_margin << " " << neg_margin);
      sim::ContrastiveLoss loss(d, pos_margin, neg_margin);
      const auto x = embeddings_of(kPoints);
      const auto value = loss.forward(x, labels_of(kLabels));
      CHECK(value_of(value) == near(contrastive_reference(d, kPoints, kLabels, pos_margin, neg_margin)));
      check_gradients(value, x);
    }
  }
}

TEST_CASE("contrastive loss by hand") {
  // 0, 0.5, 3 on a line, labels a a b, euclidean, margins 0 and 1: the positive pair costs 0.5
  // (both orders: mean 0.5); negatives are at 3 and 2.5 >= 1: nothing. Loss 0.5.
  const Rows x = {{0}, {0.5}, {3}};
  sim::ContrastiveLoss loss(Distance::Euclidean, 0.0, 1.0);
  CHECK(value_of(loss.forward(embeddings_of(x), labels_of({0, 0, 1}))) == near(0.5));
  // Move the negative to 1.25: negative pairs (0, 2) at 1.25 (0) and (1, 2) at 0.75 (0.25): + 0.25.
  CHECK(value_of(loss.forward(embeddings_of({{0}, {0.5}, {1.25}}), labels_of({0, 0, 1}))) == near(0.75));
}

TEST_CASE("contrastive loss on degenerate batches") {
  sim::ContrastiveLoss loss(Distance::Euclidean, 0.0, 1.0);
  // No negatives: the positive part alone.
  const auto x = embeddings_of(kPoints);
  const std::vector<int64_t> one_class(7, 1);
  const auto value = loss.forward(x, labels_of(one_class));
  CHECK(value_of(value) == near(contrastive_reference(Distance::Euclidean, kPoints, one_class, 0, 1)));
  check_gradients(value, x);
  // Every pair already satisfied: 0, connected.
  const auto far = embeddings_of({{0}, {0}, {5}, {5}});
  check_connected_zero(loss.forward(far, labels_of({0, 0, 1, 1})), far);
  // A single embedding: no pair at all.
  const auto single = embeddings_of({{1, 2}});
  check_connected_zero(loss.forward(single, labels_of({0})), single);
}
