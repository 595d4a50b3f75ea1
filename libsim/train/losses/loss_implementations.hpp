// The losses behind make_loss (train/losses/loss_interface.hpp), one class per loss, one file each
// (train/losses/loss_<name>.cpp). Shapes, the meaning of "similarity" (s = 1 - distance) and the
// degenerate-batch rule are in loss_interface.hpp. Below, for each anchor i of a batch: P(i) are the other
// rows with its label (positives), N(i) the rows with another label (negatives), d the distance
// and s = 1 - d. "Valid" anchors are those the loss is defined for; the loss is the mean over
// valid anchors, 0 (connected to the graph) when there is none. Every loss is vectorised: tensor
// operations over the whole batch, no loop over rows.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "train/losses/loss_interface.hpp"
#include "train/losses/loss_options.hpp"

namespace sim {

// Multi-Similarity loss: Wang, Han, Huang, Dong, Scott, "Multi-Similarity Loss with General Pair
// Weighting for Deep Metric Learning", CVPR 2019, with its pair mining (section 4.1).
//   mining   keep positive p if s_ip - epsilon < max_{n in N(i)} s_in,
//            keep negative n if s_in + epsilon > min_{p in P(i)} s_ip      (under no_grad)
//   L_i  =   1/alpha log(1 + sum_{kept p} exp(-alpha (s_ip - base)))
//          + 1/beta  log(1 + sum_{kept n} exp( beta  (s_in - base)))
// Defaults alpha=2, beta=50, base (the paper's lambda)=0.5, epsilon=0.1: pytorch-metric-learning's
// MultiSimilarityLoss + MultiSimilarityMiner, alpha and beta as the paper's experiments. TF
// Similarity's MultiSimilarityLoss uses beta=40 and drops an anchor unless both its positive and
// negative sets survive mining; we follow pytorch-metric-learning in both.
// Distances: all. base and epsilon are in similarity units (s = 1 - d; for cosine, cos).
// Valid anchors: at least one positive and one negative in the batch; an anchor whose pairs the
// mining drops entirely still counts, with 0 (as in pytorch-metric-learning, so the loss shrinks as
// the hard pairs disappear).
// Against a reference set (forward_references, for the cross-batch memory): P(i) and N(i) are the
// references with i's label / another label, and mining, validity and the mean are as above with
// the references in place of the batch.
class MultiSimilarityLoss : public Loss {
 public:
  MultiSimilarityLoss(Distance distance, double alpha, double beta, double base, double epsilon);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  bool supports_references() const override { return true; }
  torch::Tensor forward_references(const torch::Tensor& anchors, const torch::Tensor& anchor_labels,
                                   const torch::Tensor& references, const torch::Tensor& reference_labels,
                                   bool references_are_anchors) override;
  bool supports_rows() const override { return true; }
  RowShare forward_rows(const torch::Tensor& embeddings, const torch::Tensor& labels,
                        const torch::Tensor& rows) override;

 private:
  struct AnchorTerms {
    torch::Tensor per_anchor, valid;  // [N] float, [N] bool: the anchors with a positive and a negative
  };
  // From the anchors' similarities s [N x M] and their positive and negative masks.
  AnchorTerms terms(const torch::Tensor& s, const torch::Tensor& pos, const torch::Tensor& neg) const;

  double alpha_, beta_, base_, epsilon_;
};

// How triplet-style losses choose, per anchor, the positive and negative they compare.
//   hard       the farthest positive and the closest negative ("batch hard", Hermans, Beyer, Leibe,
//              "In Defense of the Triplet Loss for Person Re-Identification", 2017)
//   semi-hard  the farthest positive, and the closest negative that is farther than it (FaceNet's
//              semi-hard negative: Schroff, Kalenichenko, Philbin, CVPR 2015); when no negative is
//              farther, the farthest negative (as TF Similarity's and TF Addons' semi-hard mining)
//   easy       the closest positive and the closest negative ("easy positive, hard negative": Xuan,
//              Stylianou, Pless, "Improved Embeddings with Easy Positive Triplet Mining", WACV 2020)
//   all        every (anchor, positive, negative) triplet ("batch all", Hermans et al.); only the
//              triplet loss offers it: it materialises an N x N x N tensor
// (TripletMining and parse_triplet_mining: loss_options.hpp.)

// Per-anchor choice of mining (not All) on a [N x N] distance matrix: indices [N] of the chosen
// positive and negative, and which anchors are valid ([N] bool: at least one positive and one
// negative). Indices of invalid anchors are in range but meaningless. Computed without gradient.
struct MinedTriplets {
  torch::Tensor positive, negative, valid;
};
MinedTriplets mine_triplets(const torch::Tensor& distances, const torch::Tensor& positive_mask,
                            const torch::Tensor& negative_mask, TripletMining mining);

// Triplet loss: per mined triplet, [d_ap - d_an + margin]_+, or with `soft` the soft margin
// log(1 + exp(d_ap - d_an)) (Hermans et al. 2017, section 2), which ignores the margin.
// Default margin 0.2: FaceNet's alpha (Schroff et al. 2015, on squared L2 of unit vectors; TF
// Similarity uses 1.0 or the soft margin). Default mining semi-hard: FaceNet's, and TF Similarity's
// TripletLoss default. Distances: all; the margin is in distance units (on unit vectors, cosine
// distance is half the squared euclidean one).
// Reduction: hard / semi-hard / easy: mean over valid anchors. all: mean over the triplets whose
// loss is non-zero (Hermans et al.'s "BA != 0", pytorch-metric-learning's AvgNonZeroReducer);
// with `soft`, mean over all triplets. No triplet at all: 0.
class TripletLoss : public Loss {
 public:
  TripletLoss(Distance distance, double margin, TripletMining mining, bool soft);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

 private:
  double margin_;
  TripletMining mining_;
  bool soft_;
};

// PN loss: Szubert, Cole, Monaco, Drozdov, "Structure-preserving visualisation of high dimensional
// single-cell datasets" (ivis), Scientific Reports 9, 8914 (2019); as TF Similarity's PNLoss. Per
// anchor a with mined positive p and negative n:
//   [d_ap - min(d_an, d_pn) + margin]_+     (or softplus(d_ap - min(d_an, d_pn)) with `soft`)
// so that the positive, not just the anchor, is pushed away from the negative.
// Defaults margin 1.0 and semi-hard mining: ivis's and TF Similarity's. Mining hard|semi-hard|easy
// (not all). Distances: all. Reduction: mean over valid anchors.
class PnLoss : public Loss {
 public:
  PnLoss(Distance distance, double margin, TripletMining mining, bool soft);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

 private:
  double margin_;
  TripletMining mining_;
  bool soft_;
};

// Circle loss: Sun, Cheng, Zhang, Zhang, Zheng, Wang, Wei, "Circle Loss: A Unified Perspective of
// Pair Similarity Optimization", CVPR 2020, pair-wise labels (equation 4):
//   L_i = log(1 + sum_{n in N(i)} exp(gamma a_n (s_in - m)) * sum_{p in P(i)} exp(-gamma a_p (s_ip - 1 + m)))
//   a_p = [1 + m - s_ip]_+, a_n = [s_in + m]_+   (weights, not differentiated)
// Defaults m=0.4, gamma=80: the paper's setting for fine-grained image retrieval, the pair-wise
// task closest to ours, and pytorch-metric-learning's CircleLoss defaults (the paper uses m=0.25,
// gamma=256 for face recognition and re-identification). Distances: cosine only (the optimum
// 1 + m / -m assumes s = cos in [-1, 1]; pytorch-metric-learning likewise requires cosine).
// Valid anchors: at least one positive and one negative.
class CircleLoss : public Loss {
 public:
  CircleLoss(Distance distance, double m, double gamma);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

 private:
  double m_, gamma_;
};

// Soft Nearest Neighbour loss: Frosst, Papernot, Hinton, "Analyzing and Improving Representations
// with the Soft Nearest Neighbor Loss", ICML 2019; as TF Similarity's SoftNearestNeighborLoss:
//   L_i = -log( sum_{p in P(i)} exp(-d_ip / T) / sum_{k != i} exp(-d_ik / T) )
// Default temperature 1 (TF Similarity). Distances: all (the paper and TF Similarity's default use
// sqeuclidean). Valid anchors: at least one positive (TF Similarity also excludes the others, but
// divides by the whole batch); an anchor without negatives has loss 0 and counts.
class SoftNearestNeighborLoss : public Loss {
 public:
  SoftNearestNeighborLoss(Distance distance, double temperature);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

 private:
  double temperature_;
};

// Contrastive loss: Hadsell, Chopra, LeCun, "Dimensionality Reduction by Learning an Invariant
// Mapping", CVPR 2006, in pytorch-metric-learning's ContrastiveLoss form (not squared):
//   positive pairs [d - pos_margin]_+, negative pairs [neg_margin - d]_+
// loss = mean over the positive pairs with non-zero loss + mean over the negative pairs with
// non-zero loss (pytorch-metric-learning's AvgNonZeroReducer); an empty set adds 0. Pairs are
// ordered (i, j), i != j; the means equal those over unordered pairs.
// Defaults pos_margin=0, neg_margin=1 (pytorch-metric-learning). Distances: all; the margins are in
// distance units and pos_margin < neg_margin. Against a reference set (forward_references): the
// pairs (anchor i, reference j), the means over those.
class ContrastiveLoss : public Loss {
 public:
  ContrastiveLoss(Distance distance, double pos_margin, double neg_margin);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  bool supports_references() const override { return true; }
  torch::Tensor forward_references(const torch::Tensor& anchors, const torch::Tensor& anchor_labels,
                                   const torch::Tensor& references, const torch::Tensor& reference_labels,
                                   bool references_are_anchors) override;

 private:
  double pos_margin_, neg_margin_;
};

// Proxy-based large-margin softmax: a learnable weight W [num_classes x D] (parameter "weight",
// initialised N(0, 1) as pytorch-metric-learning's LargeMarginSoftmaxLoss) whose rows are class
// proxies. Embeddings and rows of W are L2-normalised; cos_ij = cos(x_i, W_j); the target logit
// cos_iy is replaced by target_logit(cos_iy); the loss is the cross-entropy of scale * logits,
// averaged over the batch (every row is valid). Distances: cosine only. Labels must lie in
// [0, num_classes) (sim::Error, field "labels", otherwise).
class ProxyMarginLoss : public Loss {
 public:
  ProxyMarginLoss(const std::string& name, Distance distance, int64_t num_classes, int64_t embedding_dim, double scale);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  bool has_parameters() const override { return true; }
  const torch::Tensor& weight() const { return weight_; }

 protected:
  // The margin-modified logit of the target class, elementwise on cos(theta) in [-1, 1].
  virtual torch::Tensor target_logit(const torch::Tensor& cosine) const = 0;

 private:
  int64_t num_classes_;
  double scale_;
  torch::Tensor weight_;
};

// ArcFace: Deng, Guo, Xue, Zafeiriou, "ArcFace: Additive Angular Margin Loss for Deep Face
// Recognition", CVPR 2019: target logit cos(theta + m). Where theta + m would pass pi (so the
// logit would stop decreasing in theta) it is cos(theta) - m sin(m) instead, as the authors'
// insightface code does. Defaults m=0.5 rad (28.6 degrees), scale 64: the paper's, and
// pytorch-metric-learning's ArcFaceLoss.
class ArcFaceLoss : public ProxyMarginLoss {
 public:
  ArcFaceLoss(Distance distance, int64_t num_classes, int64_t embedding_dim, double margin, double scale);

 protected:
  torch::Tensor target_logit(const torch::Tensor& cosine) const override;

 private:
  double margin_;
};

// CosFace: Wang, Wang, Zhou, Ji, Gong, Zhou, Li, Liu, "CosFace: Large Margin Cosine Loss for Deep
// Face Recognition", CVPR 2018: target logit cos(theta) - m. Defaults m=0.35, scale 64: the
// paper's, and pytorch-metric-learning's CosFaceLoss.
class CosFaceLoss : public ProxyMarginLoss {
 public:
  CosFaceLoss(Distance distance, int64_t num_classes, int64_t embedding_dim, double margin, double scale);

 protected:
  torch::Tensor target_logit(const torch::Tensor& cosine) const override;

 private:
  double margin_;
};

// NT-Xent (normalised temperature-scaled cross-entropy): Chen, Kornblith, Norouzi, Hinton, "A
// Simple Framework for Contrastive Learning of Visual Representations" (SimCLR), ICML 2020.
// Embeddings [2B x D]: rows i and i + B are two views of item i; labels are ignored. For each of
// the 2B rows, with j its other view:
//   L_i = -log( exp(s_ij / T) / sum_{k != i} exp(s_ik / T) )
// and the loss is the mean over all 2B rows. Default T=0.5: SimCLR's setting for CIFAR-10
// (appendix B.9), small batches like ours; SimCLR's ImageNet runs use 0.1 and
// pytorch-metric-learning's NTXentLoss defaults to 0.07. Distances: all (SimCLR uses cosine;
// s = 1 - d, and the constant shifts cancel in the softmax, so other distances mean logits -d/T).
// With B = 1 there are no negatives and the loss is 0. Throws sim::Error (field "embeddings") for
// an odd number of rows.
class NtXentLoss : public Loss {
 public:
  NtXentLoss(Distance distance, double temperature);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  bool needs_two_views() const override { return true; }
  bool supports_rows() const override { return true; }
  RowShare forward_rows(const torch::Tensor& embeddings, const torch::Tensor& labels,
                        const torch::Tensor& rows) override;

 private:
  // [R]: the terms of the anchors `rows` against the whole batch.
  torch::Tensor row_terms(const torch::Tensor& embeddings, const torch::Tensor& rows) const;

  double temperature_;
};

// Supervised contrastive loss (SupCon): Khosla, Teterwak, Wang, Sarna, Tian, Isola, Maschinot, Liu,
// Krishnan, "Supervised Contrastive Learning", NeurIPS 2020, L^sup_out (equation 2):
//   L_i = -1/|P(i)| sum_{p in P(i)} log( exp(s_ip / T) / sum_{k != i} exp(s_ik / T) )
// Default T = 0.1 (the paper's, and pytorch-metric-learning's SupConLoss). The paper's two augmented
// views are not required: the balanced batches already hold several items of every class (add
// --projector for its projection head). Distances: all (s = 1 - d, as NT-Xent). Valid anchors: at
// least one positive.
class SupConLoss : public Loss {
 public:
  SupConLoss(Distance distance, double temperature);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;

 private:
  double temperature_;
};

// Proxy-Anchor: Kim, Kim, Cho, Kwak, "Proxy Anchor Loss for Deep Metric Learning", CVPR 2020,
// equation 4, with a learnable proxy per class (parameter "weight" [C x D], Kaiming-normal as the
// authors' code) and s = cos(x, proxy):
//   L = 1/|P+| sum_{p in P+} log(1 + sum_{x in X+_p} exp(-alpha (s(x,p) - delta)))
//     + 1/|P|  sum_{p in P}  log(1 + sum_{x in X-_p} exp( alpha (s(x,p) + delta)))
// P: all proxies; P+: those with an item of their class in the batch; X+_p / X-_p: the batch's items
// of p's class / of other classes. Defaults alpha 32, delta 0.1 (the paper's). Cosine only. Labels
// must lie in [0, num_classes).
class ProxyAnchorLoss : public Loss {
 public:
  ProxyAnchorLoss(Distance distance, int64_t num_classes, int64_t embedding_dim, double alpha, double delta);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  bool has_parameters() const override { return true; }

 private:
  int64_t num_classes_;
  double alpha_, delta_;
  torch::Tensor weight_;
};

// A supervised loss plus an instance-discrimination term: L = L_sup(both views, labels twice) +
// w x NT-Xent(views) (SimCLR's term as an auxiliary task, as Gidaris et al. 2019, "Boosting
// Few-Shot Visual Learning with Self-Supervision", add self-supervision to supervised training):
// the supervised term pulls a class together, the instance term keeps the items of a class apart
// enough that the embedding still describes them, which is what classes never trained on are
// told apart by. Embeddings [2B x D] (rows i and i + B are views of item i), labels [B].
// `instance` is the NT-Xent term, alone or behind a training-only projector (--ssl-projector:
// ProjectedLoss), which then takes the spreading the term asks for off the embedding itself.
class SupervisedWithInstanceLoss : public Loss {
 public:
  SupervisedWithInstanceLoss(std::shared_ptr<Loss> supervised, std::shared_ptr<Loss> instance, double weight);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  bool needs_two_views() const override { return true; }
  bool has_parameters() const override { return supervised_->has_parameters() || instance_->has_parameters(); }
  void begin_step(std::int64_t step, std::int64_t steps_per_epoch, std::int64_t total) override;
  std::vector<torch::Tensor> rank_shared_buffers() override;

 private:
  std::shared_ptr<Loss> supervised_;
  std::shared_ptr<Loss> instance_;
  double weight_;
};

// A training-only projection head in front of another loss: Chen et al. 2020 (SimCLR, sec. 4.2)
// found that a small MLP g between the representation h and the contrastive loss makes h keep what
// the loss would otherwise discard, and Khosla et al. 2020 (SupCon) train supervised the same way;
// on Fashion-MNIST it helped classes never trained on only a little, SupervisedWithInstanceLoss far
// more (docs/benchmarks.md, "Unseen classes"). g is Linear(D, H) -> ReLU -> Linear(H, D); the inner
// loss sees g(embeddings) and labels unchanged. g is the loss's parameters: optimised, kept in
// checkpoints and synchronised over ranks like proxies, and never part of the saved model.
class ProjectedLoss : public Loss {
 public:
  ProjectedLoss(std::shared_ptr<Loss> inner, int64_t embedding_dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  bool needs_two_views() const override { return inner_->needs_two_views(); }
  bool has_parameters() const override { return true; }
  void begin_step(std::int64_t step, std::int64_t steps_per_epoch, std::int64_t total) override {
    inner_->begin_step(step, steps_per_epoch, total);
  }
  std::vector<torch::Tensor> rank_shared_buffers() override { return inner_->rank_shared_buffers(); }

 private:
  torch::nn::Sequential projector_{nullptr};
  std::shared_ptr<Loss> inner_;
};

// Cross-batch memory (XBM): Wang, Zhang, Huang, Scott, "Cross-Batch Memory for Embedding
// Learning", CVPR 2020. Embeddings drift slowly once training has settled (the paper's "slow
// drift"), so those of past batches stand in for what the current model would compute,
// and a pair loss can mine many more positives and negatives than one batch holds. A FIFO queue
// keeps the `size` most recent embedding rows (detached: no gradient, as in the paper) and their
// labels; each training step
//   L = L_inner(batch anchors vs the batch)  +  L_inner(batch anchors vs the memory)
// the second term from step `warmup` on (0-based, from begin_step) and while the memory holds a
// row; then the batch's rows are enqueued, overwriting the oldest (when a batch has more rows
// than the memory, its last `size` are kept). The memory is the same rows in the same places on
// every data-parallel rank, because each enqueues the whole gathered batch; it is the Module's
// buffers "memory" [size x dim] float, "memory_labels" [size] int64 and "enqueued" (rows ever
// enqueued, a scalar int64), so checkpoints carry it and rank_shared_buffers() returns them.
// `warmup` < 0: xbm_warmup_steps's default of the run's total (loss_options.hpp). With a
// self-supervised --ssl-weight term, the supervised loss sees both views, so both are enqueued.
// Throws UsageError (field "--xbm-size") for size < 1, dim < 1, or an inner loss without
// supports_references(); forward throws UsageError ("--xbm-size") when the memory is not of that
// size (a checkpoint of another --xbm-size) and sim::Error ("embeddings") for another width.
class CrossBatchMemoryLoss : public Loss {
 public:
  CrossBatchMemoryLoss(std::shared_ptr<Loss> inner, std::int64_t embedding_dim, std::int64_t size, std::int64_t warmup);
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override;
  bool needs_two_views() const override { return inner_->needs_two_views(); }
  bool has_parameters() const override { return inner_->has_parameters(); }
  std::int64_t min_items() const override { return inner_->min_items(); }
  void begin_step(std::int64_t step, std::int64_t steps_per_epoch, std::int64_t total) override;
  std::vector<torch::Tensor> rank_shared_buffers() override;

  // What the memory holds now: rows [0, filled) of its buffers, where the FIFO wrote them (filled =
  // min(enqueued, size)), as copies.
  torch::Tensor memory_embeddings() const;
  torch::Tensor memory_labels() const;
  // Whether this step's forward adds the memory's term (step >= warm-up).
  bool memory_in_use() const { return in_use_; }

 private:
  void enqueue(const torch::Tensor& embeddings, const torch::Tensor& labels);
  std::int64_t filled() const;

  std::shared_ptr<Loss> inner_;
  std::int64_t size_, warmup_;
  bool in_use_ = true;  // until a begin_step says otherwise: no schedule, no warm-up
  torch::Tensor memory_, labels_, enqueued_;
};

}  // namespace sim
