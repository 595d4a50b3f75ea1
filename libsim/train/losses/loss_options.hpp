// What sim-train's --loss chooses, and the choice checked, without LibTorch: the options of every
// loss (with their published defaults), their names, which distances each accepts. The command
// line (tools/cli/train_flags.cpp) fills LossOptions; make_loss (loss_factory.hpp) builds the loss.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/distance.hpp"

namespace sim {

// Which loss and its hyper-parameters, each with its flag and the published default. Flags are
// prefixed by their loss so they stay unique; validate() refuses a flag that belongs to a loss other
// than the chosen one.
struct LossOptions {
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

  // SupCon (Khosla et al. 2020) and Proxy-Anchor (Kim et al. 2020): supervised.
  double supcon_temperature = 0.1;   // --supcon-temperature
  double proxy_anchor_alpha = 32.0;  // --proxy-anchor-alpha: scale
  double proxy_anchor_delta = 0.1;   // --proxy-anchor-delta: margin, in cosine units

  // The self-supervised methods with heads (loss_self_supervised.hpp), their papers' defaults.
  std::int64_t head_width = 0;           // --head-width: their heads' width; 0 = 8 x --dim in [256, 8192]
  double byol_momentum = 0.996;          // --byol-momentum: the target's base decay tau
  bool byol_no_predictor = false;        // --byol-no-predictor: the ablation that collapses
  double barlow_twins_lambda = 0.0051;   // --barlow-twins-lambda: weight of the off-diagonal terms
  double vicreg_invariance = 25.0;       // --vicreg-invariance: lambda
  double vicreg_variance = 25.0;         // --vicreg-variance: mu
  double vicreg_covariance = 1.0;        // --vicreg-covariance: nu
  std::int64_t swav_prototypes = 3000;   // --swav-prototypes: K
  double swav_temperature = 0.1;         // --swav-temperature
  double swav_epsilon = 0.05;            // --swav-epsilon: Sinkhorn's entropy weight
  int swav_sinkhorn_iterations = 3;      // --swav-sinkhorn-iterations (0: no equipartition, collapses)
  std::int64_t swav_freeze_steps = 0;    // --swav-freeze-steps: prototypes frozen; 0 = the first epoch

  // A training-only projector (any loss): an MLP embedding -> `projector` hidden units -> ReLU ->
  // embedding size, between the embedding and the loss, dropped from the saved model (SimCLR's and
  // SupCon's projection head). 0: the loss sees the embeddings themselves.
  std::int64_t projector = 0;  // --projector

  // An instance-discrimination term beside a supervised loss: + ssl_weight x NT-Xent (at
  // ssl_temperature) over two augmented views of every item, the supervised loss seeing both views
  // with their labels. 0: none.
  double ssl_weight = 0;           // --ssl-weight
  double ssl_temperature = 0.1;    // --ssl-temperature
  std::int64_t ssl_projector = 0;  // --ssl-projector: hidden units of a projector for that term alone

  // A cross-batch memory (Wang et al. 2020, CrossBatchMemoryLoss in loss_implementations.hpp) of
  // the xbm_size most recent embedding rows, compared with each batch from step xbm_warmup on,
  // for the losses that compare a batch with a reference set (cross_batch_memory_losses()).
  // 0: none, the default for now (docs/benchmarks.md, "Cross-batch memory": its cost, and how to
  // measure what it gives).
  std::int64_t xbm_size = 0;     // --xbm-size: rows in the memory
  std::int64_t xbm_warmup = -1;  // --xbm-warmup: steps before the memory is used; < 0: xbm_warmup_steps's

  // The loss-specific flags the command line set, as spelled there ("--ms-alpha").
  std::set<std::string> given;

  // Throws UsageError naming the flag: an unknown --loss (field "--loss", listing the names), a
  // value out of range, a flag of another loss than --loss, a distance the loss does not accept
  // (field "--distance"), or a cross-batch memory for a loss that cannot use one ("--xbm-size") or
  // a warm-up without a memory ("--xbm-warmup").
  void validate(Distance distance) const;
};

// The most rows --xbm-size accepts: each step compares the batch with every row, and 2^20 rows of a
// 64-d embedding are already 256 MB.
constexpr std::int64_t kMaxMemoryRows = std::int64_t(1) << 20;

// The losses a cross-batch memory works with, "multi_similarity, contrastive" (for messages).
std::string cross_batch_memory_losses();

// The step from which the cross-batch memory is used: `requested` when >= 0, else the default for
// a run of `total` steps: 10% of them, at most 1,000. Wang et al. 2020 start the memory once the
// features have slowed down (their "slow drift": the drift is large only early in training),
// after 1K iterations in their experiments; in sim-train's shorter runs (the default
// Fashion-MNIST run is 3,000 steps) 1K would leave a third of the run without it. 10% comes after
// the learning-rate warm-up (5%, at most 500 steps, where the weights move fastest) and as many
// steps again at the peak rate, so the memory is not filled with features from the fast-drifting
// start.
std::int64_t xbm_warmup_steps(std::int64_t requested, std::int64_t total);

// Every --loss name, in a stable order (for --help, errors and exhaustive tests).
const std::vector<std::string>& loss_names();

// Whether the loss `name` learns without labels (two augmented views of every item).
bool loss_is_self_supervised(const std::string& name);

// Whether the loss `name` accepts `distance` (false for an unknown name).
bool loss_accepts(const std::string& name, Distance distance);

// How triplet-style losses choose, per anchor, the positive and negative they compare
// (loss_implementations.hpp says how each works).
enum class TripletMining { Hard, SemiHard, Easy, All };

// "hard", "semi-hard", "easy", "all"; throws UsageError (field `flag`) for anything else.
TripletMining parse_triplet_mining(const std::string& name, const std::string& flag);

}  // namespace sim
