// A neighbourhood-preserving 2-D map of embeddings: exact t-SNE (van der Maaten & Hinton 2008,
// "Visualizing Data using t-SNE", JMLR 9), for the report's interactive projector beside the PCA.
// Where PCA keeps global distances, t-SNE keeps who is near whom: clusters a PCA overlaps come
// apart, but distances between clusters and cluster sizes mean little.
//
// Exact: every pair is computed, O(n^2) memory and time per iteration, so it is meant for the few
// thousand points a page can show (the report subsamples). Deterministic: initialised from the
// PCA (as openTSNE and scikit-learn's init="pca", scaled to a standard deviation of 1e-4), no
// random numbers, single-threaded.
#pragma once

#include <cstddef>
#include <vector>

#include "base/distance.hpp"

namespace sim {

struct TsneOptions {
  double perplexity = 30;        // effective neighbours per point (the paper's 5-50); lowered to (n-1)/3 for few points
  int iterations = 1000;         // gradient steps
  int exaggeration_steps = 250;  // the first steps multiply P by `exaggeration` (the paper's early exaggeration)
  double exaggeration = 12;
};

// rows: n x dim floats, row-major; for cosine they are L2-normalised first. Returns x and y
// interleaved (2n values), centred on 0. n < 2 gives zeros.
std::vector<double> tsne_2d(const float* rows, std::size_t n, std::size_t dim, Distance distance,
                            const TsneOptions& options = {});

}  // namespace sim
