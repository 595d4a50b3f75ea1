// Building blocks shared by the similarity losses (train/losses/loss_implementations.hpp): batch checks, label masks,
// masked reductions that stay finite (values and gradients) on rows with nothing to reduce.
// All are vectorised over the batch. Masks are bool tensors; "rows" are anchors.
#pragma once

#include <torch/torch.h>

namespace sim::loss_ops {

// Throws sim::Error (field "embeddings") unless embeddings is a 2-D floating tensor, and (field
// "labels") unless labels is a 1-D integer tensor with one label per embedding row.
void check_batch(const torch::Tensor& embeddings, const torch::Tensor& labels);

// Proxy losses: throws sim::Error (field "labels") for a label outside [0, num_classes), which has
// no proxy. labels must not be empty.
void check_proxy_labels(const torch::Tensor& labels, int64_t num_classes);

// The operands of Loss::forward_references: check_batch for both, and (field "embeddings") unless
// anchors and references have the same width D and dtype, and with references_are_anchors the same
// rows.
void check_references(const torch::Tensor& anchors, const torch::Tensor& anchor_labels, const torch::Tensor& references,
                      const torch::Tensor& reference_labels, bool references_are_anchors);

// Loss::forward_rows's rows: throws sim::Error (field "rows") unless rows is a 1-D int64 tensor of
// row numbers in [0, n).
void check_rows(const torch::Tensor& rows, int64_t n);

// [R x n]: true where column j is row rows[i] itself (the pairs an anchor's own row leaves out).
torch::Tensor self_pairs(const torch::Tensor& rows, int64_t n);

// [N x N]: labels equal and i != j (positives) / labels differ (negatives).
torch::Tensor positive_mask(const torch::Tensor& labels);
torch::Tensor negative_mask(const torch::Tensor& labels);

// [N x M], anchors against references: labels equal (positives; with references_are_anchors, M = N
// and the pairs i == j left out, as positive_mask(labels)) / labels differ (negatives).
torch::Tensor positive_mask(const torch::Tensor& anchor_labels, const torch::Tensor& reference_labels,
                            bool references_are_anchors);
torch::Tensor negative_mask(const torch::Tensor& anchor_labels, const torch::Tensor& reference_labels);

// [N]: log(sum_{j in mask_i} exp(x_ij)), or with add_one log(1 + sum ...), computed stably. A row
// whose mask is empty gives 0 (log 1) either way, with zero (not NaN) gradient. x: [N x M].
torch::Tensor masked_logsumexp(const torch::Tensor& x, const torch::Tensor& mask, bool add_one);

// [N] int64: for each row, the column of the largest / smallest x among the mask's entries; an
// arbitrary valid column for an empty row. Not differentiable (indices); use gather for values.
torch::Tensor masked_argmax(const torch::Tensor& x, const torch::Tensor& mask);
torch::Tensor masked_argmin(const torch::Tensor& x, const torch::Tensor& mask);

// The mean of per_row [N] over the rows where valid [N] is true. per_row must be finite everywhere
// (invalid rows included). With no valid row: 0, still connected to per_row's graph.
torch::Tensor mean_over(const torch::Tensor& per_row, const torch::Tensor& valid);

// How spread out the rows of [N x D] are, in [0, 1]: sqrt(sum over columns of their variance over
// the rows / the mean squared row norm). 1 for unit rows whose mean is 0; 0 when every row is the
// same (a collapsed model). Computed without gradient; 1 for fewer than 2 rows.
double spread(const torch::Tensor& rows);
// spread of the rows scaled to unit length: how far apart their directions are, whatever their
// norms (SimSiam's collapse measure, the per-feature deviation of l2-normalised outputs, times
// sqrt(D)). A projection whose rows differ only in length has collapsed for cosine-based methods.
double direction_spread(const torch::Tensor& rows);

// A scalar 0 connected to `t`'s graph: backward() through it gives zero gradients.
torch::Tensor connected_zero(const torch::Tensor& t);

}  // namespace sim::loss_ops
