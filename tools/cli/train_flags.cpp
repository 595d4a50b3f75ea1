#include "cli/train_flags.hpp"

#include <type_traits>

#include "cli/value_flags.hpp"
#include "model/arch_spec.hpp"

namespace sim {
namespace {

std::string loss_list() {
  std::string s;
  for (const std::string& name : loss_names()) s += (s.empty() ? "" : ", ") + name;
  return s;
}

}  // namespace

void add_flags(CLI::App& app, TrainOptions& o) {
  app.add_option("--arch", o.arch,
                 "Network: auto (small_cnn for grey images up to 64 px, resnet for colour or larger, mlp for "
                 "vectors), hello (TF Similarity's hello-world net), small_cnn, resnet, mlp")
      ->default_str("auto")
      ->check(CLI::IsMember(ArchSpec::names()));
  app.add_option("--dim", o.dim, "Embedding size")->default_str("64")->check(CLI::Range(1, 65536));
  add_distance_flag(app, o.distance,
                    "Distance the embeddings are for: cosine, euclidean, sqeuclidean, inner_product, manhattan");
  app.add_option("--backbone", o.backbone,
                 "A TorchScript file (torch.jit.trace/script) used as the trunk under sim's embedding head");
  app.add_flag("--freeze-backbone", o.freeze_backbone, "Train only the head on top of --backbone");
  app.add_option("--epochs", o.epochs, "Passes over the training items")
      ->default_str("8")
      ->check(CLI::Range(1, 100000));
  app.add_option("--steps", o.steps, "Total optimiser steps (overrides --epochs)")->check(CLI::Range(0LL, 1LL << 40));
  app.add_option("--optimizer", o.optimizer, "adam, adamw or sgd (with --momentum)")
      ->default_str("adam")
      ->check(CLI::IsMember({"adam", "adamw", "sgd"}));
  app.add_option("--lr", o.lr, "Peak learning rate (after warm-up; cosine decay to 0 at the end)")
      ->default_str("0.002")
      ->check(finite_number())
      ->check(CLI::PositiveNumber);
  app.add_option("--weight-decay", o.weight_decay, "Weight decay (default 0, or 0.01 with adamw)")
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
  app.add_option("--momentum", o.momentum, "SGD momentum")
      ->default_str("0.9")
      ->check(finite_number())
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--warmup-steps", o.warmup_steps, "Linear warm-up steps (default 5% of all steps, at most 500)")
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
  app.add_option("--clip-grad-norm", o.clip_grad_norm, "Clip the gradients' global norm to this (0 = off)")
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
  app.add_option("--val-max", o.val_max, "Validate on at most this many held-out items")
      ->default_str("10000")
      ->check(whole_number())
      ->check(CLI::PositiveNumber);
  app.add_flag("--keep-best", o.keep_best,
               "Write the weights of the epoch with the best validation MAP@R, not those of the last epoch");
  app.add_option("--patience", o.patience,
                 "Stop early after this many epochs without a better validation MAP@R (0 = never)")
      ->default_str("0")
      ->check(CLI::Range(0, 100000));
  app.add_flag("--resume", o.resume, "Continue an interrupted run from the checkpoint OUTPUT.ckpt");
  app.add_option("--sync-batch-norm", o.sync_batch_norm,
                 "Data-parallel runs: batch norms use the whole batch's statistics over all ranks (on), or each "
                 "rank's slice alone, with rank 0's running statistics (off: fewer round trips per step); auto: on "
                 "when a rank's slice holds fewer than 32 rows")
      ->default_str("auto")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--split-loss", o.split_loss,
                 "Data-parallel runs: each rank computes the loss for its own rows of the batch, the ranks adding "
                 "up the gradients (on; the same gradients, one more exchange per step), instead of every rank "
                 "computing the whole batch's loss (off). For multi_similarity and ntxent")
      ->default_str("off")
      ->check(CLI::IsMember({"on", "off"}));
}

void add_flags(CLI::App& app, LossOptions& o) {
  app.add_option("--loss", o.name, "Training loss: " + loss_list() + " (see the man page)")
      ->capture_default_str()
      ->check(CLI::IsMember(loss_names()));

  // Each knob records that it was given, so validate() can refuse one meant for another loss.
  const auto knob = [&](const char* flag, auto& field, const std::string& help) {
    CLI::Option* option =
        app.add_option(flag, field, help)->capture_default_str()->each([&o, flag](const std::string&) {
          o.given.insert(flag);
        });
    if constexpr (std::is_floating_point_v<std::decay_t<decltype(field)>>) option->check(finite_number());
    return option;
  };
  const auto flag_knob = [&](const char* flag, bool& field, const std::string& help) {
    return app.add_flag(flag, field, help)->each([&o, flag](const std::string&) { o.given.insert(flag); });
  };

  knob("--ms-alpha", o.ms_alpha, "multi_similarity: scale of the positive pairs (alpha)");
  knob("--ms-beta", o.ms_beta, "multi_similarity: scale of the negative pairs (beta)");
  knob("--ms-base", o.ms_base, "multi_similarity: similarity threshold (lambda); similarity = 1 - distance");
  knob("--ms-epsilon", o.ms_epsilon, "multi_similarity: pair-mining margin, in similarity units");

  CLI::Option* triplet_margin_opt =
      knob("--triplet-margin", o.triplet_margin, "triplet: margin between positive and negative distances");
  knob("--triplet-mining", o.triplet_mining, "triplet: which triplets: hard, semi-hard, easy (easy positive), all")
      ->check(CLI::IsMember({"hard", "semi-hard", "easy", "all"}));
  flag_knob("--triplet-soft", o.triplet_soft, "triplet: soft margin log(1 + exp(d_ap - d_an)) instead of the hinge")
      ->excludes(triplet_margin_opt);

  CLI::Option* pn_margin_opt = knob("--pn-margin", o.pn_margin, "pn: margin");
  knob("--pn-mining", o.pn_mining, "pn: which triplets: hard, semi-hard, easy (easy positive)")
      ->check(CLI::IsMember({"hard", "semi-hard", "easy"}));
  flag_knob("--pn-soft", o.pn_soft, "pn: soft margin instead of the hinge")->excludes(pn_margin_opt);

  knob("--circle-m", o.circle_m, "circle: relaxation margin m, in [0, 1)");
  knob("--circle-gamma", o.circle_gamma, "circle: scale gamma");

  knob("--snn-temperature", o.snn_temperature, "soft_nn: temperature of exp(-distance / T)");

  knob("--contrastive-pos-margin", o.contrastive_pos_margin,
       "contrastive: positive pairs farther than this distance are penalised");
  knob("--contrastive-neg-margin", o.contrastive_neg_margin,
       "contrastive: negative pairs closer than this distance are penalised");

  knob("--arcface-margin", o.arcface_margin, "arcface: additive angular margin, radians (0.5 = 28.6 degrees)");
  knob("--arcface-scale", o.arcface_scale, "arcface: logit scale s");
  knob("--cosface-margin", o.cosface_margin, "cosface: additive cosine margin");
  knob("--cosface-scale", o.cosface_scale, "cosface: logit scale s");

  knob("--ntxent-temperature", o.ntxent_temperature, "ntxent: softmax temperature");

  knob("--supcon-temperature", o.supcon_temperature, "supcon: softmax temperature");
  knob("--proxy-anchor-alpha", o.proxy_anchor_alpha, "proxy_anchor: scale alpha");
  knob("--proxy-anchor-delta", o.proxy_anchor_delta, "proxy_anchor: margin delta, in cosine units");

  knob("--head-width", o.head_width,
       "simsiam, byol, barlow_twins, vicreg, swav: width of their training-only heads (0: 8 x --dim, within "
       "256..8192)")
      ->check(CLI::Range(std::int64_t(0), std::int64_t(65536)));
  knob("--byol-momentum", o.byol_momentum, "byol: the target network's base decay tau, rising to 1 (cosine)");
  flag_knob("--byol-no-predictor", o.byol_no_predictor,
            "byol: no predictor (the paper's ablation; it collapses, and sim-train stops saying so)");
  knob("--barlow-twins-lambda", o.barlow_twins_lambda, "barlow_twins: weight of the off-diagonal terms");
  knob("--vicreg-invariance", o.vicreg_invariance, "vicreg: weight of the invariance term (lambda)");
  knob("--vicreg-variance", o.vicreg_variance, "vicreg: weight of the variance term (mu)");
  knob("--vicreg-covariance", o.vicreg_covariance, "vicreg: weight of the covariance term (nu)");
  knob("--swav-prototypes", o.swav_prototypes, "swav: number of prototypes K")
      ->check(CLI::Range(std::int64_t(2), std::int64_t(1) << 20));
  knob("--swav-temperature", o.swav_temperature, "swav: softmax temperature");
  knob("--swav-epsilon", o.swav_epsilon, "swav: Sinkhorn-Knopp's entropy weight");
  knob("--swav-sinkhorn-iterations", o.swav_sinkhorn_iterations,
       "swav: Sinkhorn-Knopp iterations (0: no equipartition; it collapses)")
      ->check(CLI::Range(0, 1000));
  knob("--swav-freeze-steps", o.swav_freeze_steps, "swav: steps the prototypes stay frozen (0: the first epoch)")
      ->check(CLI::Range(std::int64_t(0), std::int64_t(1) << 40));

  app.add_option("--projector", o.projector,
                 "Hidden units of a training-only MLP between the embedding and the loss, dropped from the saved "
                 "model (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), std::int64_t(65536)));
  app.add_option("--ssl-weight", o.ssl_weight,
                 "Add this weight x NT-Xent over two augmented views of every item to a supervised loss (0: none): "
                 "instance discrimination, for classes never trained on")
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ssl-temperature", o.ssl_temperature, "With --ssl-weight: the NT-Xent temperature")
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::PositiveNumber);
  app.add_option("--ssl-projector", o.ssl_projector,
                 "With --ssl-weight: hidden units of a training-only MLP the instance term alone sees the embeddings "
                 "through (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), std::int64_t(65536)));
  app.add_option("--xbm-size", o.xbm_size,
                 "Rows of a cross-batch memory of past embeddings each batch is also compared with (Wang et al. "
                 "2020; " +
                     cross_batch_memory_losses() + "; 0: none)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), kMaxMemoryRows));
  app.add_option("--xbm-warmup", o.xbm_warmup,
                 "With --xbm-size: steps before the memory is used (default 10% of the steps, at most 1000)")
      ->check(CLI::Range(std::int64_t(0), std::int64_t(1) << 40));
}

std::string default_augmentation(const CLI::App& app, const LossOptions& loss, AugmentOptions& augment) {
  if (!loss_is_self_supervised(loss.name)) return "";
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_name().rfind("--aug-", 0) == 0 && option->count() > 0) return "";
  }
  const std::string preset = loss.name == "byol" ? "byol" : "simclr";
  augment = augment_preset(preset);
  return preset;
}

}  // namespace sim
