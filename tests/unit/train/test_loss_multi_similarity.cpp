#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>
#include <limits>

#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

// Wang et al. 2019, eq. (7)-(9) with its mining (section 4.1), one anchor at a time.
double multi_similarity_reference(Distance d, const Rows& x, const std::vector<int64_t>& y, double alpha, double beta,
                                  double base, double epsilon, int* kept_pairs = nullptr) {
  const size_t n = x.size();
  double total = 0;
  int anchors = 0, kept = 0;
  for (size_t i = 0; i < n; ++i) {
    double max_negative = -std::numeric_limits<double>::infinity();
    double min_positive = std::numeric_limits<double>::infinity();
    bool has_positive = false, has_negative = false;
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double s = similarity(d, x[i], x[j]);
      if (y[j] == y[i]) {
        has_positive = true;
        min_positive = std::min(min_positive, s);
      } else {
        has_negative = true;
        max_negative = std::max(max_negative, s);
      }
    }
    if (!has_positive || !has_negative) continue;
    double positive_sum = 0, negative_sum = 0;
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double s = similarity(d, x[i], x[j]);
      if (y[j] == y[i] && s - epsilon < max_negative) {
        positive_sum += std::exp(-alpha * (s - base));
        ++kept;
      } else if (y[j] != y[i] && s + epsilon > min_positive) {
        negative_sum += std::exp(beta * (s - base));
        ++kept;
      }
    }
    total += std::log1p(positive_sum) / alpha + std::log1p(negative_sum) / beta;
    ++anchors;
  }
  if (kept_pairs) *kept_pairs = kept;
  return anchors == 0 ? 0.0 : total / anchors;
}

}  // namespace

TEST_CASE("multi-similarity matches the scalar reference, mining included") {
  for (Distance d : {Distance::Cosine, Distance::Euclidean, Distance::InnerProduct}) {
    INFO("distance: " << sim::to_string(d));
    sim::MultiSimilarityLoss loss(d, 2.0, 50.0, 0.5, 0.1);
    const auto x = embeddings_of(kPoints);
    const auto value = loss.forward(x, labels_of(kLabels));
    int kept = 0;
    const double expected = multi_similarity_reference(d, kPoints, kLabels, 2.0, 50.0, 0.5, 0.1, &kept);
    CHECK(value_of(value) == near(expected));
    check_gradients(value, x);
  }
  // The mining really drops pairs on this batch (cosine: 11 of the 42 ordered pairs survive).
  int kept = 0;
  multi_similarity_reference(Distance::Cosine, kPoints, kLabels, 2, 50, 0.5, 0.1, &kept);
  CHECK(kept == 11);
  CHECK(multi_similarity_reference(Distance::Cosine, kPoints, kLabels, 2, 50, 0.5, 10.0) >
        multi_similarity_reference(Distance::Cosine, kPoints, kLabels, 2, 50, 0.5, 0.1));
}

TEST_CASE("multi-similarity by hand on two pairs") {
  // x0 = (1,0), x1 = (0.6,0.8), x2 = (0,1); 0 and 1 share a class, 2 is alone. Cosine similarities:
  // s01 = 0.6, s02 = 0, s12 = 0.8.
  // Anchor 0: positive kept iff 0.6 - 0.1 < max negative 0: no. Negative kept iff 0 + 0.1 > min
  //   positive 0.6: no. Nothing is hard: it contributes 0 (and counts).
  // Anchor 1: positive 0.5 < 0.8 kept, negative 0.9 > 0.6 kept:
  //   (1/2) log(1 + e^{-2 (0.6 - 0.5)}) + (1/50) log(1 + e^{50 (0.8 - 0.5)}).
  // Anchor 2 has no positive: left out. The loss is the mean over anchors 0 and 1.
  const Rows x = {{1, 0}, {0.6, 0.8}, {0, 1}};
  sim::MultiSimilarityLoss loss(Distance::Cosine, 2, 50, 0.5, 0.1);
  const double anchor1 = 0.5 * std::log1p(std::exp(-0.2)) + std::log1p(std::exp(15.0)) / 50;
  CHECK(value_of(loss.forward(embeddings_of(x), labels_of({0, 0, 1}))) == near(anchor1 / 2));
}

TEST_CASE("multi-similarity on degenerate batches") {
  sim::MultiSimilarityLoss loss(Distance::Cosine, 2, 50, 0.5, 0.1);
  SUBCASE("one class: no negatives anywhere") {
    const auto x = embeddings_of(kPoints);
    check_connected_zero(loss.forward(x, labels_of({3, 3, 3, 3, 3, 3, 3})), x);
  }
  SUBCASE("all classes distinct: no positives anywhere") {
    const auto x = embeddings_of(kPoints);
    check_connected_zero(loss.forward(x, labels_of({0, 1, 2, 3, 4, 5, 6})), x);
  }
  SUBCASE("a singleton anchor is left out of the mean") {
    const auto x = embeddings_of(kPoints);
    const std::vector<int64_t> y = {0, 0, 0, 1, 1, 2, 9};  // 5 and 6 have no positive
    const auto value = loss.forward(x, labels_of(y));
    CHECK(value_of(value) == near(multi_similarity_reference(Distance::Cosine, kPoints, y, 2, 50, 0.5, 0.1)));
    check_gradients(value, x);
  }
  SUBCASE("empty batch") {
    const auto x = torch::zeros({0, 3}).set_requires_grad(true);
    check_connected_zero(loss.forward(x, torch::zeros({0}, torch::kLong)), x);
  }
}
