// Validation during training: how well the held-out items retrieve each other.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "base/distance.hpp"
#include "eval/retrieval_metrics.hpp"

namespace sim {

// Every item queries all the others (itself excluded) by exact search; precision@1 and MAP@R over
// the queries. embeddings: n x d; labels: n (items labelled -1 are neither queries nor relevant).
// Distances are computed a block of queries at a time, so memory stays O(block x n).
RetrievalScores leave_one_out_scores(const torch::Tensor& embeddings, const std::vector<std::int64_t>& labels,
                                     Distance distance);

}  // namespace sim
