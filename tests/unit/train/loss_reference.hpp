// Shared by the loss tests: tiny fixed batches, tensor conversions, gradient checks, and a plain
// double-precision distance. References for the losses themselves live in each test file as
// explicit loops over the batch, written from the papers' formulas, not from the vectorised code.
#pragma once

// LibTorch includes glog, whose CHECK (abort on failure) would replace doctest's if it came second:
// torch first, doctest last. Test files include this header before anything else.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "base/distance.hpp"

namespace sim_test {

using Row = std::vector<double>;
using Rows = std::vector<Row>;

// 7 points in 3-D, 3 classes (3, 2, 2), not normalised. Chosen (by a seeded search) so that no
// decision the losses make is within 0.01 of a tie for any distance: no two distances from one
// anchor, no hinge argument for margins 0.2 and 1, no contrastive margin in {-0.5, 0, 0.2, 0.8, 1,
// 2.5}, no multi-similarity mining threshold (epsilon 0.1) is that close; and the mining keeps
// some pairs and drops others.
inline const Rows kPoints = {{1.038, 0.222, 0.066},  {0.695, 0.553, -0.175}, {0.887, -0.242, 0.342},
                             {0.159, 0.949, 0.302},  {-0.436, 0.774, 0.149}, {-0.938, -0.161, 0.46},
                             {0.544, -0.841, -0.254}};
inline const std::vector<int64_t> kLabels = {0, 0, 0, 1, 1, 2, 2};

inline torch::Tensor embeddings_of(const Rows& rows, bool requires_grad = true) {
  auto t = torch::empty({int64_t(rows.size()), rows.empty() ? 2 : int64_t(rows[0].size())});
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j) t[int64_t(i)][int64_t(j)] = rows[i][j];
  }
  return t.set_requires_grad(requires_grad);
}

// A 2-D tensor's values as double rows (for the references).
inline Rows rows_of(const torch::Tensor& t) {
  const auto d = t.detach().to(torch::kFloat64).contiguous();
  Rows rows(size_t(d.size(0)), Row(size_t(d.size(1))));
  for (int64_t i = 0; i < d.size(0); ++i) {
    for (int64_t j = 0; j < d.size(1); ++j) rows[size_t(i)][size_t(j)] = d[i][j].item<double>();
  }
  return rows;
}

inline torch::Tensor labels_of(const std::vector<int64_t>& labels) {
  return torch::tensor(labels, torch::kLong).reshape({int64_t(labels.size())});
}

inline double value_of(const torch::Tensor& scalar) { return scalar.item<double>(); }

// The distance in double, from its definition (base/distance.hpp).
inline double distance(sim::Distance d, const Row& a, const Row& b) {
  double dot = 0, aa = 0, bb = 0, sq = 0, l1 = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    dot += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
    sq += (a[k] - b[k]) * (a[k] - b[k]);
    l1 += std::fabs(a[k] - b[k]);
  }
  switch (d) {
    case sim::Distance::Cosine:
      return (aa == 0 || bb == 0) ? 1.0 : 1.0 - dot / std::sqrt(aa * bb);
    case sim::Distance::Euclidean:
      return std::sqrt(sq);
    case sim::Distance::SquaredEuclidean:
      return sq;
    case sim::Distance::InnerProduct:
      return 1.0 - dot;
    case sim::Distance::Manhattan:
      return l1;
  }
  return 0;
}

inline double similarity(sim::Distance d, const Row& a, const Row& b) { return 1.0 - distance(d, a, b); }

// A float loss against a double reference: float rounding, amplified by the exponentials.
inline doctest::Approx near(double reference) { return doctest::Approx(reference).epsilon(2e-5).scale(1.0); }

// backward() reaches the embeddings with finite gradients; `nonzero` asks for at least one non-zero.
inline void check_gradients(const torch::Tensor& loss, const torch::Tensor& embeddings, bool nonzero = true) {
  REQUIRE(loss.dim() == 0);
  REQUIRE(loss.requires_grad());
  if (embeddings.grad().defined()) embeddings.grad().zero_();
  loss.backward();
  const auto grad = embeddings.grad();
  REQUIRE(grad.defined());
  CHECK(torch::isfinite(grad).all().item<bool>());
  if (nonzero) {
    CHECK(grad.abs().sum().item<double>() > 0);
  } else {
    CHECK(grad.abs().sum().item<double>() == 0);
  }
}

// The loss of a batch where it is defined for no anchor: exactly 0, finite, still connected.
inline void check_connected_zero(const torch::Tensor& loss, const torch::Tensor& embeddings) {
  CHECK(value_of(loss) == 0.0);
  check_gradients(loss, embeddings, /*nonzero=*/false);
}

}  // namespace sim_test
