// A 2-D picture of embeddings: the projection onto their first two principal components (PCA), as
// TF Similarity's projector offers for a first look at how classes separate. Linear and exact, so
// distances along the axes mean what they say (unlike t-SNE/UMAP, which a report could add later).
#pragma once

#include <cstddef>
#include <vector>

#include "base/distance.hpp"

namespace sim {

struct Projection2d {
  std::vector<double> x, y;      // one per row
  double explained[2] = {0, 0};  // the fraction of the total variance along each axis
};

// rows: n x dim floats, row-major. For cosine the rows are L2-normalised first (the geometry the
// index searches). Deterministic: power iteration from a fixed start, components signed so that
// their largest coordinate is positive. n = 0 gives an empty projection; dim 1 gives y = 0.
Projection2d project_2d(const float* rows, std::size_t n, std::size_t dim, Distance distance);

}  // namespace sim
