// The similarity losses of sim-train: one interface, a config that owns the flags, one factory.
//
// A loss maps a batch of embeddings to a scalar to minimise. Supervised losses take
//   embeddings  [N x D] float, as the model head returns them (L2-normalised by the head when the
//               distance calls for it; the losses that need unit vectors normalise again, harmlessly)
//   labels      [N] integer (int64), class ids >= 0
// Self-supervised losses (needs_two_views()) take [2B x D] embeddings where rows i and i + B are two
// augmented views of the same item (data/augment.hpp two_views), and ignore the labels.
//
// Every loss is computed on the shared distance (model/torch_distance.hpp); "similarity" is
// 1 - distance (cos for cosine, the dot product for inner_product). Margins and thresholds are in
// the distance's (or similarity's) units, so a margin tuned for cosine needs retuning for another
// distance. The losses, their defaults and papers are listed in train/losses/loss_implementations.hpp.
//
// Degenerate batches never give NaN: an anchor without what its loss needs (a positive, a negative)
// contributes 0 and is left out of the mean; a batch where no anchor qualifies gives 0 that is still
// connected to the embeddings' graph (backward() works and yields zero gradients).
#pragma once

#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/distance.hpp"

namespace sim {

// Which loss and its hyper-parameters, each with its flag (add_to) and the published default.
// Flags are prefixed by their loss so they stay unique; validate() refuses a flag that belongs to
// a loss other than the chosen one.
struct LossConfig {
  std::string name = "multi_similarity";  // --loss

  // Multi-Similarity (Wang et al. 2019), with its pair mining. pytorch-metric-learning's defaults.
  double ms_alpha = 2.0;    // --ms-alpha: positive-pair scale
  double ms_beta = 50.0;    // --ms-beta: negative-pair scale (TF Similarity uses 40)
  double ms_base = 0.5;     // --ms-base: the similarity threshold lambda
  double ms_epsilon = 0.1;  // --ms-epsilon: mining margin, in similarity units

  // Triplet (Schroff et al. 2015; Hermans et al. 2017).
  double triplet_margin = 0.2;               // --triplet-margin: FaceNet's alpha
  std::string triplet_mining = "semi-hard";  // --triplet-mining: hard | semi-hard | easy | all
  bool triplet_soft = false;                 // --triplet-soft: softplus instead of the hinge

  // PN (Szubert et al. 2019, ivis; TF Similarity's PNLoss).
  double pn_margin = 1.0;               // --pn-margin
  std::string pn_mining = "semi-hard";  // --pn-mining: hard | semi-hard | easy
  bool pn_soft = false;                 // --pn-soft

  // Circle (Sun et al. 2020), pair-wise labels: the paper's fine-grained retrieval setting.
  double circle_m = 0.4;       // --circle-m: relaxation margin
  double circle_gamma = 80.0;  // --circle-gamma: scale

  // Soft Nearest Neighbour (Frosst et al. 2019; TF Similarity's SoftNearestNeighborLoss).
  double snn_temperature = 1.0;  // --snn-temperature

  // Contrastive (Hadsell et al. 2006; pytorch-metric-learning's ContrastiveLoss), distance units.
  double contrastive_pos_margin = 0.0;  // --contrastive-pos-margin
  double contrastive_neg_margin = 1.0;  // --contrastive-neg-margin

  // ArcFace (Deng et al. 2019) and CosFace (Wang et al. 2018): proxy-based, cosine only.
  double arcface_margin = 0.5;   // --arcface-margin: additive angular margin, radians (28.6 degrees)
  double arcface_scale = 64.0;   // --arcface-scale
  double cosface_margin = 0.35;  // --cosface-margin: additive cosine margin
  double cosface_scale = 64.0;   // --cosface-scale

  // NT-Xent (Chen et al. 2020, SimCLR): self-supervised, two views.
  double ntxent_temperature = 0.5;  // --ntxent-temperature

  // The loss-specific flags the command line set (filled by the options add_to registers).
  std::set<std::string> given;

  // Registers --loss and every loss's flags. The options write into this object: it must outlive
  // the parse (as for every config's add_to).
  void add_to(CLI::App& app);

  // Throws UsageError naming the flag: an unknown --loss (field "--loss", listing the names), a
  // value out of range, a flag of another loss than --loss, or a distance the loss does not accept
  // (field "--distance").
  void validate(Distance distance) const;
};

class Loss : public torch::nn::Module {
 public:
  Loss(const std::string& name, Distance distance) : torch::nn::Module(name), distance_(distance) {}

  // The loss of one batch, a scalar tensor connected to `embeddings` (see the top of this file for
  // shapes and the degenerate-batch rule). Throws sim::Error (field "embeddings" or "labels") for
  // tensors of the wrong shape or type, and for labels a proxy loss has no class for.
  virtual torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& labels) = 0;

  // True for self-supervised losses: the batch holds two views per item, labels are ignored.
  virtual bool needs_two_views() const { return false; }

  // True when the loss owns trainable tensors (class proxies): its parameters() must go to the
  // optimiser, be saved with a checkpoint, and follow the model to its device.
  virtual bool has_parameters() const { return false; }

  Distance distance() const { return distance_; }

 private:
  Distance distance_;
};

// The loss `config` names, for embeddings of `embedding_dim` values, `num_classes` training
// classes (used by the proxy losses only), measured with `distance`. Calls config.validate(distance)
// first. Throws UsageError as validate(), and UsageError (field "--loss") when a proxy loss gets
// num_classes < 1 or embedding_dim < 1.
std::shared_ptr<Loss> make_loss(const LossConfig& config, Distance distance, int64_t embedding_dim,
                                int64_t num_classes);

// Every --loss name, in a stable order (for --help, errors and exhaustive tests).
const std::vector<std::string>& loss_names();

// Whether the loss `name` accepts `distance` (false for an unknown name).
bool loss_accepts(const std::string& name, Distance distance);

}  // namespace sim
