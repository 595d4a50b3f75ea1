// Loss::forward_rows, what a data-parallel rank computes with --split-loss: the terms of some of
// the batch's anchors against the whole batch. Over any partition of the rows, the parts' sums
// divided by their counts' sum must be the whole batch's loss, and their gradients must add up to
// its gradient, with respect to every row.
#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <vector>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

// The whole loss and its gradient, against the parts' (rows [0, cut) and [cut, n), in the order
// given by `order`, a permutation, so that the parts are not always ranges).
void check_partition(sim::Loss& loss, const torch::Tensor& x, const torch::Tensor& labels,
                     const std::vector<int64_t>& order, std::size_t cut) {
  const torch::Tensor whole_x = x.detach().clone().requires_grad_(true);
  const torch::Tensor whole = loss.forward(whole_x, labels);
  whole.backward();

  const torch::Tensor parts_x = x.detach().clone().requires_grad_(true);
  const std::vector<int64_t> first(order.begin(), order.begin() + std::ptrdiff_t(cut));
  const std::vector<int64_t> second(order.begin() + std::ptrdiff_t(cut), order.end());
  torch::Tensor sum = torch::zeros({}), count = torch::zeros({}, torch::kLong);
  for (const auto& rows : {first, second}) {
    const sim::Loss::RowShare share = loss.forward_rows(parts_x, labels, torch::tensor(rows, torch::kLong));
    CHECK(share.sum.dim() == 0);
    CHECK(share.count.dim() == 0);
    sum = sum + share.sum;
    count = count + share.count;
  }
  const torch::Tensor value = sum / count.to(torch::kFloat32).clamp_min(1.0);
  CHECK(value_of(value) == near(value_of(whole)));
  value.backward();
  CHECK(torch::allclose(parts_x.grad(), whole_x.grad(), 1e-5, 1e-6));
  CHECK(whole_x.grad().abs().sum().item<double>() > 0);
}

}  // namespace

TEST_CASE("multi-similarity: the rows' shares add up to the whole batch's loss and gradient") {
  sim::MultiSimilarityLoss loss(Distance::Cosine, 2.0, 50.0, 0.5, 0.1);
  const torch::Tensor x = embeddings_of(kPoints, false);
  const torch::Tensor labels = labels_of(kLabels);
  check_partition(loss, x, labels, {0, 1, 2, 3, 4, 5, 6}, 3);
  check_partition(loss, x, labels, {6, 0, 3, 1, 5, 2, 4}, 4);
  check_partition(loss, x, labels, {0, 1, 2, 3, 4, 5, 6}, 0);  // one rank without rows
  // A larger batch of random rows, 4 classes.
  torch::manual_seed(3);
  const torch::Tensor big = torch::randn({40, 8});
  const torch::Tensor big_labels = torch::arange(40, torch::kLong).remainder(4);
  std::vector<int64_t> order(40);
  for (int64_t i = 0; i < 40; ++i) order[std::size_t(i)] = (i * 17) % 40;
  check_partition(loss, big, big_labels, order, 13);
  sim::MultiSimilarityLoss euclidean(Distance::Euclidean, 2.0, 50.0, 0.5, 0.1);
  check_partition(euclidean, big, big_labels, order, 20);
}

TEST_CASE("multi-similarity: an anchor without a positive or negative counts for nothing") {
  sim::MultiSimilarityLoss loss(Distance::Cosine, 2.0, 50.0, 0.5, 0.1);
  const torch::Tensor x = embeddings_of(kPoints, true);
  // Anchors 0-5 have positives (each other) and a negative (row 6); row 6 has no positive.
  const torch::Tensor labels = labels_of({0, 0, 0, 0, 0, 0, 1});
  const sim::Loss::RowShare alone = loss.forward_rows(x, labels, torch::tensor({6}, torch::kLong));
  CHECK(alone.count.item<int64_t>() == 0);
  CHECK(value_of(alone.sum) == 0.0);
  const sim::Loss::RowShare others = loss.forward_rows(x, labels, torch::tensor({0, 1}, torch::kLong));
  CHECK(others.count.item<int64_t>() == 2);
}

TEST_CASE("NT-Xent: the rows' shares add up to the whole batch's loss and gradient") {
  sim::NtXentLoss loss(Distance::Cosine, 0.5);
  torch::manual_seed(5);
  const torch::Tensor x = torch::randn({24, 6});  // 12 items, two views
  // A rank's rows: its slice of each view (rows 0-4 and 12-16), and the rest.
  check_partition(loss, x, torch::Tensor(),
                  {0, 1, 2, 3, 4, 12, 13, 14, 15, 16, 5, 6, 7, 8, 9, 10, 11, 17, 18, 19, 20, 21, 22, 23}, 10);
  check_partition(loss, x, torch::Tensor(),
                  {23, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 0}, 1);
  const sim::Loss::RowShare share = loss.forward_rows(x, torch::Tensor(), torch::tensor({2, 3}, torch::kLong));
  CHECK(share.count.item<int64_t>() == 2);
}

TEST_CASE("forward_rows refuses rows that are not row numbers of the batch, and losses without it") {
  sim::NtXentLoss ntxent(Distance::Cosine, 0.5);
  const torch::Tensor x = torch::randn({4, 3});
  CHECK_THROWS_WITH_AS(ntxent.forward_rows(x, torch::Tensor(), torch::tensor({0, 4}, torch::kLong)),
                       doctest::Contains("row numbers in [0, 4)"), sim::Error);
  CHECK_THROWS_WITH_AS(ntxent.forward_rows(x, torch::Tensor(), torch::tensor({0.0, 1.0})),
                       doctest::Contains("1-D int64"), sim::Error);
  sim::MultiSimilarityLoss ms(Distance::Cosine, 2.0, 50.0, 0.5, 0.1);
  CHECK_THROWS_WITH_AS(ms.forward_rows(x, labels_of({0, 1, 0}), torch::tensor({0}, torch::kLong)),
                       doctest::Contains("labels"), sim::Error);
  sim::TripletLoss triplet(Distance::Cosine, 0.2, sim::TripletMining::SemiHard, false);
  CHECK_FALSE(triplet.supports_rows());
  CHECK_THROWS_WITH_AS(triplet.forward_rows(x, labels_of({0, 1, 0, 1}), torch::tensor({0}, torch::kLong)),
                       doctest::Contains("cannot compute a subset"), sim::Error);
}
