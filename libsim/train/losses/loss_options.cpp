#include "train/losses/loss_options.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "base/error.hpp"

namespace sim {
namespace {

struct LossInfo {
  const char* name;
  const char* flag_prefix;  // every knob of this loss is spelled --<prefix>...
  bool cosine_only;         // angular: needs --distance cosine
  bool self_supervised;     // learns from two views without labels
  bool heads;               // owns projector/predictor heads sized by --head-width
  bool references;          // compares a batch with a reference set: a cross-batch memory works with it
};

constexpr double kPi = 3.14159265358979323846;

// The order of loss_names(): the default first, then supervised pair losses, proxies, self-supervised.
constexpr LossInfo kLosses[] = {
    {"multi_similarity", "--ms-", false, false, false, true},
    {"triplet", "--triplet-", false, false, false, false},
    {"pn", "--pn-", false, false, false, false},
    {"circle", "--circle-", true, false, false, false},
    {"soft_nn", "--snn-", false, false, false, false},
    {"contrastive", "--contrastive-", false, false, false, true},
    {"supcon", "--supcon-", false, false, false, false},
    {"arcface", "--arcface-", true, false, false, false},
    {"cosface", "--cosface-", true, false, false, false},
    {"proxy_anchor", "--proxy-anchor-", true, false, false, false},
    {"ntxent", "--ntxent-", false, true, false, false},
    {"simsiam", "--simsiam-", false, true, true, false},
    {"byol", "--byol-", false, true, true, false},
    {"barlow_twins", "--barlow-twins-", false, true, true, false},
    {"vicreg", "--vicreg-", false, true, true, false},
    {"swav", "--swav-", false, true, true, false},
};

const LossInfo* find_loss(const std::string& name) {
  for (const LossInfo& info : kLosses) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

std::string joined_names() {
  std::string s;
  for (const LossInfo& info : kLosses) s += (s.empty() ? "" : ", ") + std::string(info.name);
  return s;
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

void check_finite(double v, const char* flag) {
  if (!std::isfinite(v)) throw UsageError("must be a finite number, not " + number(v), flag);
}
void check_positive(double v, const char* flag) {
  check_finite(v, flag);
  if (v <= 0) throw UsageError("must be > 0, not " + number(v), flag);
}
void check_non_negative(double v, const char* flag) {
  check_finite(v, flag);
  if (v < 0) throw UsageError("must be >= 0, not " + number(v), flag);
}
void check_below(double v, double limit, const char* flag, const char* why) {
  if (v >= limit) throw UsageError("must be < " + number(limit) + " (" + why + "), not " + number(v), flag);
}

}  // namespace

const std::vector<std::string>& loss_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const LossInfo& info : kLosses) v.emplace_back(info.name);
    return v;
  }();
  return names;
}

bool loss_is_self_supervised(const std::string& name) {
  const LossInfo* info = find_loss(name);
  return info != nullptr && info->self_supervised;
}

bool loss_accepts(const std::string& name, Distance distance) {
  const LossInfo* info = find_loss(name);
  return info != nullptr && (!info->cosine_only || distance == Distance::Cosine);
}

std::string cross_batch_memory_losses() {
  std::string s;
  for (const LossInfo& info : kLosses) {
    if (info.references) s += (s.empty() ? "" : ", ") + std::string(info.name);
  }
  return s;
}

std::int64_t xbm_warmup_steps(std::int64_t requested, std::int64_t total) {
  if (requested >= 0) return requested;
  return std::min<std::int64_t>(1000, std::max<std::int64_t>(0, total) / 10);
}

void LossOptions::validate(Distance distance) const {
  const LossInfo* info = find_loss(name);
  if (info == nullptr) throw UsageError("unknown loss '" + name + "' (valid: " + joined_names() + ")", "--loss");
  for (const std::string& flag : given) {
    if (flag.rfind(info->flag_prefix, 0) == 0 || flag == "--head-width") continue;  // --head-width: below
    std::string owner = "another loss";
    for (const LossInfo& other : kLosses) {
      if (flag.rfind(other.flag_prefix, 0) == 0) owner = "--loss " + std::string(other.name);
    }
    throw UsageError("applies to " + owner + " only, not to --loss " + name, flag);
  }
  if (!loss_accepts(name, distance)) {
    throw UsageError(
        "--loss " + name + " is angular and needs --distance cosine, not " + std::string(to_string(distance)),
        "--distance");
  }
  if (given.count("--head-width") != 0 && !info->heads) {
    throw UsageError("sizes the heads of simsiam, byol, barlow_twins, vicreg and swav, not of --loss " + name,
                     "--head-width");
  }
  if (projector > 0 && info->heads) {
    throw UsageError("--loss " + name + " has its own projector (size it with --head-width)", "--projector");
  }
  if (ssl_weight > 0 && info->self_supervised) {
    throw UsageError(
        "adds a self-supervised term to a supervised --loss, not to the self-supervised " + name, "--ssl-weight");
  }
  if (ssl_weight == 0 && ssl_projector > 0) {
    throw UsageError("is for the instance term: give --ssl-weight too", "--ssl-projector");
  }
  if (xbm_size < 0 || xbm_size > kMaxMemoryRows) {
    throw UsageError("must be in [0, " + std::to_string(kMaxMemoryRows) + "] rows, not " + std::to_string(xbm_size),
                     "--xbm-size");
  }
  if (xbm_size > 0 && !info->references) {
    throw UsageError("keeps a cross-batch memory for the losses that compare a batch with past batches (" +
                         cross_batch_memory_losses() + "), not for --loss " + name,
                     "--xbm-size");
  }
  if (xbm_warmup >= 0 && xbm_size == 0) {
    throw UsageError("is the cross-batch memory's warm-up: give --xbm-size too", "--xbm-warmup");
  }

  // Every loss's values are checked, chosen or not: a bad default is a bug worth hearing about.
  check_positive(ms_alpha, "--ms-alpha");
  check_positive(ms_beta, "--ms-beta");
  check_finite(ms_base, "--ms-base");
  check_non_negative(ms_epsilon, "--ms-epsilon");

  check_non_negative(triplet_margin, "--triplet-margin");
  parse_triplet_mining(triplet_mining, "--triplet-mining");
  check_non_negative(pn_margin, "--pn-margin");
  if (parse_triplet_mining(pn_mining, "--pn-mining") == TripletMining::All) {
    throw UsageError("must be hard, semi-hard or easy: pn compares one triplet per anchor", "--pn-mining");
  }

  check_non_negative(circle_m, "--circle-m");
  check_below(circle_m, 1.0, "--circle-m", "cosine similarities lie in [-1, 1]");
  check_positive(circle_gamma, "--circle-gamma");

  check_positive(snn_temperature, "--snn-temperature");

  check_finite(contrastive_pos_margin, "--contrastive-pos-margin");
  check_finite(contrastive_neg_margin, "--contrastive-neg-margin");
  if (contrastive_pos_margin >= contrastive_neg_margin) {
    throw UsageError("must be smaller than --contrastive-neg-margin (" + number(contrastive_neg_margin) + "), not " +
                         number(contrastive_pos_margin),
                     "--contrastive-pos-margin");
  }

  check_non_negative(arcface_margin, "--arcface-margin");
  check_below(arcface_margin, kPi / 2, "--arcface-margin", "radians; 0.5 = 28.6 degrees");
  check_positive(arcface_scale, "--arcface-scale");
  check_non_negative(cosface_margin, "--cosface-margin");
  check_below(cosface_margin, 1.0, "--cosface-margin", "a margin on cosines");
  check_positive(cosface_scale, "--cosface-scale");

  check_positive(ntxent_temperature, "--ntxent-temperature");

  check_positive(supcon_temperature, "--supcon-temperature");
  check_positive(proxy_anchor_alpha, "--proxy-anchor-alpha");
  check_non_negative(proxy_anchor_delta, "--proxy-anchor-delta");
  check_below(proxy_anchor_delta, 1.0, "--proxy-anchor-delta", "a margin on cosines");

  if (head_width < 0) throw UsageError("must be >= 0, not " + std::to_string(head_width), "--head-width");
  check_non_negative(byol_momentum, "--byol-momentum");
  check_below(byol_momentum, 1.0, "--byol-momentum", "at 1 the target never moves");
  check_non_negative(barlow_twins_lambda, "--barlow-twins-lambda");
  check_non_negative(vicreg_invariance, "--vicreg-invariance");
  check_non_negative(vicreg_variance, "--vicreg-variance");
  check_non_negative(vicreg_covariance, "--vicreg-covariance");
  if (swav_prototypes < 2) {
    throw UsageError("must be >= 2, not " + std::to_string(swav_prototypes), "--swav-prototypes");
  }
  check_positive(swav_temperature, "--swav-temperature");
  check_positive(swav_epsilon, "--swav-epsilon");
  if (swav_sinkhorn_iterations < 0) {
    throw UsageError("must be >= 0, not " + std::to_string(swav_sinkhorn_iterations), "--swav-sinkhorn-iterations");
  }
  if (swav_freeze_steps < 0) {
    throw UsageError("must be >= 0, not " + std::to_string(swav_freeze_steps), "--swav-freeze-steps");
  }
}

TripletMining parse_triplet_mining(const std::string& name, const std::string& flag) {
  if (name == "hard") return TripletMining::Hard;
  if (name == "semi-hard") return TripletMining::SemiHard;
  if (name == "easy") return TripletMining::Easy;
  if (name == "all") return TripletMining::All;
  throw UsageError("unknown mining '" + name + "' (valid: hard, semi-hard, easy, all)", flag);
}

}  // namespace sim
