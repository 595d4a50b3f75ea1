// The pair losses against a reference set (Loss::forward_references, what the cross-batch memory
// uses): anchors compared with rows that are not themselves, checked against double-precision
// loops written from the papers' formulas; and the square forward as the special case
// (references = the batch, self-pairs left out), bit for bit.
#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>
#include <limits>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

// Wang et al. 2019, eq. (7)-(9) with the mining of section 4.1, for anchors a against references r:
// P(i) / N(i) are the references with a_i's label / another label; every reference counts (none is
// the anchor itself).
double ms_against_references(Distance d, const Rows& a, const std::vector<int64_t>& ya, const Rows& r,
                             const std::vector<int64_t>& yr, double alpha, double beta, double base, double epsilon) {
  double total = 0;
  int anchors = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double max_negative = -std::numeric_limits<double>::infinity();
    double min_positive = std::numeric_limits<double>::infinity();
    bool has_positive = false, has_negative = false;
    for (size_t j = 0; j < r.size(); ++j) {
      const double s = similarity(d, a[i], r[j]);
      if (yr[j] == ya[i]) {
        has_positive = true;
        min_positive = std::min(min_positive, s);
      } else {
        has_negative = true;
        max_negative = std::max(max_negative, s);
      }
    }
    if (!has_positive || !has_negative) continue;
    double positive_sum = 0, negative_sum = 0;
    for (size_t j = 0; j < r.size(); ++j) {
      const double s = similarity(d, a[i], r[j]);
      if (yr[j] == ya[i] && s - epsilon < max_negative) positive_sum += std::exp(-alpha * (s - base));
      if (yr[j] != ya[i] && s + epsilon > min_positive) negative_sum += std::exp(beta * (s - base));
    }
    total += std::log1p(positive_sum) / alpha + std::log1p(negative_sum) / beta;
    ++anchors;
  }
  return anchors == 0 ? 0.0 : total / anchors;
}

// Hadsell et al. 2006 as pytorch-metric-learning (unsquared, means over the non-zero pair losses),
// over the pairs (anchor i, reference j).
double contrastive_against_references(Distance dist, const Rows& a, const std::vector<int64_t>& ya, const Rows& r,
                                      const std::vector<int64_t>& yr, double pos_margin, double neg_margin) {
  double pos_sum = 0, neg_sum = 0;
  int pos_count = 0, neg_count = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < r.size(); ++j) {
      const double d = distance(dist, a[i], r[j]);
      const double l = ya[i] == yr[j] ? std::max(0.0, d - pos_margin) : std::max(0.0, neg_margin - d);
      (ya[i] == yr[j] ? pos_sum : neg_sum) += l;
      (ya[i] == yr[j] ? pos_count : neg_count) += l > 0;
    }
  }
  return (pos_count ? pos_sum / pos_count : 0.0) + (neg_count ? neg_sum / neg_count : 0.0);
}

// Anchors: the first four test points. References: the other three, two points of their own, and
// a copy of anchor 1 (a memory holds past embeddings of the batch's own items too); anchor 3 (label
// 1) has one positive among them, anchor 0 several.
const Rows kAnchorRows = {kPoints[0], kPoints[1], kPoints[2], kPoints[3]};
const std::vector<int64_t> kAnchorLabels = {0, 0, 0, 1};
const Rows kReferenceRows = {kPoints[4], kPoints[5], kPoints[6], {0.912, 0.35, -0.12}, {0.05, -0.61, 0.83}, kPoints[1]};
const std::vector<int64_t> kReferenceLabels = {1, 2, 2, 0, 2, 0};

}  // namespace

TEST_CASE("multi-similarity against a reference set matches the paper's formula, mining included") {
  for (Distance d : {Distance::Cosine, Distance::Euclidean, Distance::InnerProduct}) {
    for (double epsilon : {0.1, 10.0}) {  // 10: the mining keeps every pair
      INFO("distance: " << sim::to_string(d) << ", epsilon " << epsilon);
      sim::MultiSimilarityLoss loss(d, 2.0, 50.0, 0.5, epsilon);
      const auto anchors = embeddings_of(kAnchorRows);
      const auto references = embeddings_of(kReferenceRows, /*requires_grad=*/false);
      const auto value = loss.forward_references(anchors, labels_of(kAnchorLabels), references,
                                                 labels_of(kReferenceLabels), /*references_are_anchors=*/false);
      CHECK(value_of(value) == near(ms_against_references(d, kAnchorRows, kAnchorLabels, kReferenceRows,
                                                          kReferenceLabels, 2.0, 50.0, 0.5, epsilon)));
      check_gradients(value, anchors);
      CHECK_FALSE(references.grad().defined());
    }
  }
}

TEST_CASE("multi-similarity against references: anchors without a positive or a negative there are left out") {
  sim::MultiSimilarityLoss loss(Distance::Cosine, 2, 50, 0.5, 0.1);
  const auto anchors = embeddings_of(kAnchorRows);
  SUBCASE("anchor 3's class is not among the references") {
    const std::vector<int64_t> yr = {2, 2, 2, 0, 2, 0};
    const auto value = loss.forward_references(anchors, labels_of(kAnchorLabels), embeddings_of(kReferenceRows, false),
                                               labels_of(yr), false);
    CHECK(value_of(value) == near(ms_against_references(Distance::Cosine, kAnchorRows, kAnchorLabels, kReferenceRows,
                                                        yr, 2, 50, 0.5, 0.1)));
  }
  SUBCASE("one class everywhere: no anchor qualifies") {
    check_connected_zero(loss.forward_references(anchors, labels_of({4, 4, 4, 4}), embeddings_of(kReferenceRows, false),
                                                 labels_of({4, 4, 4, 4, 4, 4}), false),
                         anchors);
  }
  SUBCASE("no references") {
    check_connected_zero(
        loss.forward_references(anchors, labels_of(kAnchorLabels), torch::zeros({0, 3}), labels_of({}), false),
        anchors);
  }
}

TEST_CASE("contrastive loss against a reference set matches the formula") {
  for (Distance d : sim::all_distances()) {
    for (auto [pos_margin, neg_margin] : {std::pair{0.0, 1.0}, std::pair{0.2, 0.8}}) {
      INFO("distance " << sim::to_string(d) << ", margins " << pos_margin << " " << neg_margin);
      sim::ContrastiveLoss loss(d, pos_margin, neg_margin);
      const auto anchors = embeddings_of(kAnchorRows);
      const auto value = loss.forward_references(
          anchors, labels_of(kAnchorLabels), embeddings_of(kReferenceRows, false), labels_of(kReferenceLabels), false);
      CHECK(value_of(value) == near(contrastive_against_references(d, kAnchorRows, kAnchorLabels, kReferenceRows,
                                                                   kReferenceLabels, pos_margin, neg_margin)));
      check_gradients(value, anchors);
    }
  }
}

TEST_CASE("the square forward is the reference form with the batch as references, bit for bit") {
  torch::manual_seed(5);
  const auto labels = torch::tensor({0, 0, 1, 1, 2, 2, 0, 1}, torch::kLong);
  for (Distance d : sim::all_distances()) {
    INFO("distance " << sim::to_string(d));
    const auto x = torch::nn::functional::normalize(torch::randn({8, 4}));
    sim::MultiSimilarityLoss ms(d, 2, 50, 0.5, 0.1);
    sim::ContrastiveLoss contrastive(d, 0, 1);
    for (sim::Loss* loss : std::initializer_list<sim::Loss*>{&ms, &contrastive}) {
      CHECK(loss->supports_references());
      CHECK(torch::equal(loss->forward(x, labels), loss->forward_references(x, labels, x, labels, true)));
      // "The references are the anchors" is about the same tensors, not equal values.
      CHECK_THROWS_AS(loss->forward_references(x, labels, x.clone(), labels, true), sim::Error);
    }
    // Without leaving the self-pairs out, each anchor is its own positive at distance 0, which a
    // negative positive margin counts (0.5 each, into the mean): another value.
    sim::ContrastiveLoss shifted(d, -0.5, 1);
    CHECK(std::fabs(value_of(shifted.forward_references(x, labels, x, labels, false)) -
                    value_of(shifted.forward(x, labels))) > 0.01);
  }
}

TEST_CASE("reference sets of another width or type, and losses without the reference form, are refused") {
  sim::MultiSimilarityLoss loss(Distance::Cosine, 2, 50, 0.5, 0.1);
  const auto anchors = embeddings_of(kAnchorRows);
  const auto labels = labels_of(kAnchorLabels);
  CHECK_THROWS_AS(loss.forward_references(anchors, labels, torch::zeros({2, 4}), labels_of({0, 1}), false), sim::Error);
  CHECK_THROWS_AS(
      loss.forward_references(anchors, labels, torch::zeros({2, 3}, torch::kFloat64), labels_of({0, 1}), false),
      sim::Error);
  CHECK_THROWS_AS(loss.forward_references(anchors, labels, torch::zeros({2, 3}), labels_of({0}), false), sim::Error);
  sim::TripletLoss triplet(Distance::Cosine, 0.2, sim::TripletMining::SemiHard, false);
  CHECK_FALSE(triplet.supports_references());
  CHECK_THROWS_AS(triplet.forward_references(anchors, labels, anchors, labels, true), sim::Error);
}
