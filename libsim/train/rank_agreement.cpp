// The settings as text (doubles to 17 significant digits, so equal text means the same value),
// the data as counts and 64-bit FNV-1a digests (model_fingerprint's) of its ids, labels and class
// names, gathered from every rank and compared name by name.
#include "train/rank_agreement.hpp"

#include <cstdio>
#include <map>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "formats/model_container.hpp"

namespace sim {
namespace {

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// "48000 items, 8 classes, 1x28x28 image, digest 0123..." of a split; "none" when absent.
std::string describe_items(const Dataset* d) {
  if (d == nullptr) return "none";
  std::string text;  // every name, id and label, each ended by a newline: ("ab", "c") is not ("a", "bc")
  for (const std::string& name : d->classes()) text += name + '\n';
  for (std::size_t i = 0; i < d->size(); ++i) text += d->id(i) + '\t' + std::to_string(d->label(i)) + '\n';
  return std::to_string(d->size()) + " items, " + std::to_string(d->classes().size()) + " classes, " +
         d->shape().str() + ", digest " + model_fingerprint(text, "");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> agreed_settings(const TrainRequest& r) {
  const TrainOptions& t = r.train;
  const LossOptions& l = r.loss;
  std::string backbone = "none";
  if (!t.backbone.empty())
    backbone = "a file with digest " + model_fingerprint(read_file(t.backbone, std::size_t(1) << 34), "");
  std::vector<std::pair<std::string, std::string>> s = {
      {"--arch", t.arch},
      {"--dim", std::to_string(t.dim)},
      {"--distance", std::string(to_string(t.distance))},
      {"--backbone", backbone},
      {"--freeze-backbone", t.freeze_backbone ? "on" : "off"},
      {"--epochs", std::to_string(t.epochs)},
      {"--steps", std::to_string(t.steps)},
      {"--optimizer", t.optimizer},
      {"--lr", number(t.lr)},
      {"--weight-decay", number(t.weight_decay)},
      {"--momentum", number(t.momentum)},
      {"--warmup-steps", std::to_string(t.warmup_steps)},
      {"--clip-grad-norm", number(t.clip_grad_norm)},
      {"--val-max", std::to_string(t.val_max)},
      {"--keep-best", t.keep_best ? "on" : "off"},
      {"--patience", std::to_string(t.patience)},
      {"--resume", t.resume ? "on" : "off"},
      {"--sync-batch-norm", t.sync_batch_norm},
      {"--split-loss", t.split_loss ? "on" : "off"},
      {"--classes-per-batch", std::to_string(r.batch.classes_per_batch)},
      {"--examples-per-class", std::to_string(r.batch.examples_per_class)},
      {"--batch-size", std::to_string(r.batch.batch_size)},
      {"--aug-crop-scale", number(r.augment.crop_scale_min) + "," + number(r.augment.crop_scale_max)},
      {"--aug-crop-ratio", number(r.augment.crop_ratio_min) + "," + number(r.augment.crop_ratio_max)},
      {"--aug-pad", std::to_string(r.augment.pad)},
      {"--aug-flip", r.augment.flip ? "on" : "off"},
      {"--aug-jitter-prob", number(r.augment.jitter_prob)},
      {"--aug-brightness", number(r.augment.brightness)},
      {"--aug-contrast", number(r.augment.contrast)},
      {"--aug-saturation", number(r.augment.saturation)},
      {"--aug-hue", number(r.augment.hue)},
      {"--aug-grey-prob", number(r.augment.grey_prob)},
      {"--aug-blur-prob", number(r.augment.blur_prob)},
      {"--aug-blur-sigma", number(r.augment.blur_sigma_min) + "," + number(r.augment.blur_sigma_max)},
      {"--aug-blur-min-size", std::to_string(r.augment.blur_min_size)},
      {"--aug-solarize-prob", number(r.augment.solarize_prob)},
      {"--seed", std::to_string(r.seed)},
      {"--skip-bad", r.skip_bad ? "on" : "off"},
      {"--loss", l.name},
      {"--ms-alpha", number(l.ms_alpha)},
      {"--ms-beta", number(l.ms_beta)},
      {"--ms-base", number(l.ms_base)},
      {"--ms-epsilon", number(l.ms_epsilon)},
      {"--triplet-margin", number(l.triplet_margin)},
      {"--triplet-mining", l.triplet_mining},
      {"--triplet-soft", l.triplet_soft ? "on" : "off"},
      {"--pn-margin", number(l.pn_margin)},
      {"--pn-mining", l.pn_mining},
      {"--pn-soft", l.pn_soft ? "on" : "off"},
      {"--circle-m", number(l.circle_m)},
      {"--circle-gamma", number(l.circle_gamma)},
      {"--snn-temperature", number(l.snn_temperature)},
      {"--contrastive-pos-margin", number(l.contrastive_pos_margin)},
      {"--contrastive-neg-margin", number(l.contrastive_neg_margin)},
      {"--arcface-margin", number(l.arcface_margin)},
      {"--arcface-scale", number(l.arcface_scale)},
      {"--cosface-margin", number(l.cosface_margin)},
      {"--cosface-scale", number(l.cosface_scale)},
      {"--ntxent-temperature", number(l.ntxent_temperature)},
      {"--projector", std::to_string(l.projector)},
      {"--ssl-weight", number(l.ssl_weight)},
      {"--ssl-temperature", number(l.ssl_temperature)},
      {"--ssl-projector", std::to_string(l.ssl_projector)},
      {"--xbm-size", std::to_string(l.xbm_size)},
      {"--xbm-warmup", std::to_string(l.xbm_warmup)},
      {"--supcon-temperature", number(l.supcon_temperature)},
      {"--proxy-anchor-alpha", number(l.proxy_anchor_alpha)},
      {"--proxy-anchor-delta", number(l.proxy_anchor_delta)},
      {"--head-width", std::to_string(l.head_width)},
      {"--byol-momentum", number(l.byol_momentum)},
      {"--byol-no-predictor", l.byol_no_predictor ? "on" : "off"},
      {"--barlow-twins-lambda", number(l.barlow_twins_lambda)},
      {"--vicreg-invariance", number(l.vicreg_invariance)},
      {"--vicreg-variance", number(l.vicreg_variance)},
      {"--vicreg-covariance", number(l.vicreg_covariance)},
      {"--swav-prototypes", std::to_string(l.swav_prototypes)},
      {"--swav-temperature", number(l.swav_temperature)},
      {"--swav-epsilon", number(l.swav_epsilon)},
      {"--swav-sinkhorn-iterations", std::to_string(l.swav_sinkhorn_iterations)},
      {"--swav-freeze-steps", std::to_string(l.swav_freeze_steps)},
  };
  // The data each rank opened: another dataset, or another --per-class, --val-split or
  // --holdout-classes, changes these.
  s.emplace_back("the training items", describe_items(r.data->split.train.get()));
  s.emplace_back("the validation items", describe_items(r.data->split.val.get()));
  return s;
}

void check_ranks_agree(RankGroup& ranks, const std::vector<std::pair<std::string, std::string>>& mine) {
  std::string text;
  for (const auto& [what, value] : mine) text += what + '\t' + value + '\n';
  const std::vector<std::string> all = ranks.all_gather_bytes(text);
  // what -> the value on each rank, in the order of this rank's list.
  std::map<std::string, std::vector<std::string>> values;
  for (std::size_t r = 0; r < all.size(); ++r) {
    std::size_t at = 0;
    while (at < all[r].size()) {
      const std::size_t tab = all[r].find('\t', at), end = all[r].find('\n', at);
      if (tab == std::string::npos || end == std::string::npos || tab > end) break;
      auto& slot = values[all[r].substr(at, tab - at)];
      slot.resize(all.size(), "(not given: another version of sim)");
      slot[r] = all[r].substr(tab + 1, end - tab - 1);
      at = end + 1;
    }
  }
  std::string differences;
  for (const auto& [what, _] : mine) {
    const std::vector<std::string>& on = values[what];
    bool same = true;
    for (const std::string& v : on) same = same && v == on.front();
    if (same) continue;
    std::string detail;
    for (std::size_t r = 0; r < on.size(); ++r) {
      detail += (r ? "; " : "") + std::string("rank ") + std::to_string(r) + ": " + on[r];
    }
    differences += (differences.empty() ? "" : "; ") + what + " (" + detail + ")";
  }
  if (!differences.empty()) {
    const bool data = differences.find("items (") != std::string::npos;
    throw UsageError(
        "the ranks were started with different settings or data, so they would not train one model. "
        "Differing: " +
        differences + (data ? " (another dataset, or another --per-class, --val-split or --holdout-classes)" : "") +
        ". Start every rank with the same flags and the same dataset (what may differ: "
        "docs/distributed.md)");
  }
}

}  // namespace sim
