#include "search/prototypes.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "search/exact_index.hpp"

namespace sim {
namespace {

// Vectors read from an index per step: a few MB however large the index.
constexpr std::size_t kBlockRows = 4096;

}  // namespace

void ClassPrototypes::add(std::size_t label, const float* stored) {
  if (label >= classes()) throw std::out_of_range("ClassPrototypes::add: no such class");
  double* sum = sums.data() + label * dim;
  for (std::size_t d = 0; d < dim; ++d) sum[d] += double(stored[d]);
  ++counts[label];
}

void ClassPrototypes::add(const ClassPrototypes& other, const std::vector<std::int64_t>& relabel) {
  if (other.dim != dim || relabel.size() != other.classes()) {
    throw std::invalid_argument("ClassPrototypes::add: another dimension or class mapping");
  }
  for (std::size_t c = 0; c < other.classes(); ++c) {
    const auto to = std::size_t(relabel[c]);
    if (to >= classes()) throw std::out_of_range("ClassPrototypes::add: no such class");
    for (std::size_t d = 0; d < dim; ++d) sums[to * dim + d] += other.sums[c * dim + d];
    counts[to] += other.counts[c];
  }
}

ClassPrototypes sum_prototypes(const Index& index, const std::vector<std::int64_t>& labels, std::size_t classes) {
  if (labels.size() != index.size()) throw std::invalid_argument("sum_prototypes: one label per position");
  ClassPrototypes p(classes, index.dim());
  std::vector<float> block;
  for (std::size_t first = 0; first < index.size(); first += kBlockRows) {
    const std::size_t n = std::min(kBlockRows, index.size() - first);
    block.resize(n * index.dim());
    index.copy_vectors(first, n, block.data());
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t label = labels[first + i];
      if (label >= 0 && !index.is_deleted(first + i)) p.add(std::size_t(label), block.data() + i * index.dim());
    }
  }
  return p;
}

PrototypeIndex prototype_index(const ClassPrototypes& prototypes, Distance distance) {
  PrototypeIndex out;
  const std::size_t dim = prototypes.dim;
  std::vector<float> rows;
  for (std::size_t c = 0; c < prototypes.classes(); ++c) {
    if (prototypes.counts[c] <= 0) continue;
    std::vector<double> mean(prototypes.sums.begin() + std::ptrdiff_t(c * dim),
                             prototypes.sums.begin() + std::ptrdiff_t((c + 1) * dim));
    for (double& v : mean) v /= double(prototypes.counts[c]);
    double scale = 1;
    if (distance == Distance::Cosine) {
      double norm = 0;
      for (double v : mean) norm += v * v;
      // Items pointing every which way can cancel out: a zero mean has no direction, and the
      // class cannot be told by a cosine distance.
      if (!(norm > 0)) continue;
      scale = 1 / std::sqrt(norm);
    }
    for (double v : mean) rows.push_back(float(v * scale));
    out.class_of_row.push_back(std::int64_t(c));
  }
  if (out.class_of_row.empty()) return out;
  out.index = std::make_unique<ExactIndex>(distance, dim);  // (cosine: normalises the rows again, a no-op)
  out.index->add(rows.data(), out.class_of_row.size(), 1);
  return out;
}

}  // namespace sim
