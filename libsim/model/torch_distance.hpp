// The shared distance (base/distance.hpp) on LibTorch tensors, differentiable, for training.
//
// pairwise_distances(d, a, b) is sim::distance(d, a[i], b[j]) for every row pair, with the same
// definitions ("smaller is closer"):
//   cosine         1 - <a,b> / (|a| |b|)    a zero row counts as orthogonal (distance 1)
//   euclidean      |a - b|_2                 a true distance, not the square
//   sqeuclidean    |a - b|_2^2
//   inner_product  1 - <a,b>
//   manhattan      |a - b|_1
// Gradients are finite everywhere, including at zero distance: euclidean distances below 1e-6
// (squares below 1e-12, within the rounding of the matrix-product form) are exactly 0 and pass no
// gradient, as at a == b.
//
// Also the "similarity" the similarity losses use: similarity = 1 - distance, for every distance.
// For cosine it is cos(a, b) and for inner_product <a,b>; for the metric distances it is a flip of
// the distance that keeps differences (margins) in distance units. This is TF Similarity's
// convention (its losses' `center` = 1).
#pragma once

#include <torch/torch.h>

#include "base/distance.hpp"

namespace sim {

// a: [N x D], b: [M x D], both floating point on the same device -> [N x M] distances (a's dtype).
// Throws sim::Error (field "embeddings") unless both are 2-D floating tensors with equal D.
torch::Tensor pairwise_distances(Distance d, const torch::Tensor& a, const torch::Tensor& b);

// 1 - pairwise_distances(d, a, b): see above.
torch::Tensor pairwise_similarities(Distance d, const torch::Tensor& a, const torch::Tensor& b);

}  // namespace sim
