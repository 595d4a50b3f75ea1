#include "train/losses/loss_options.hpp"

#include <cmath>
#include <sstream>

#include "base/error.hpp"

namespace sim {
namespace {

struct LossInfo {
  const char* name;
  const char* flag_prefix;  // every knob of this loss is spelled --<prefix>...
  bool cosine_only;         // angular: needs --distance cosine
};

constexpr double kPi = 3.14159265358979323846;

// The order of loss_names(): the default first, then supervised pair losses, proxies, self-supervised.
constexpr LossInfo kLosses[] = {
    {"multi_similarity", "--ms-", false}, {"triplet", "--triplet-", false}, {"pn", "--pn-", false},
    {"circle", "--circle-", true},        {"soft_nn", "--snn-", false},     {"contrastive", "--contrastive-", false},
    {"arcface", "--arcface-", true},      {"cosface", "--cosface-", true},  {"ntxent", "--ntxent-", false},
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

bool loss_accepts(const std::string& name, Distance distance) {
  const LossInfo* info = find_loss(name);
  return info != nullptr && (!info->cosine_only || distance == Distance::Cosine);
}

void LossOptions::validate(Distance distance) const {
  const LossInfo* info = find_loss(name);
  if (info == nullptr) throw UsageError("unknown loss '" + name + "' (valid: " + joined_names() + ")", "--loss");
  for (const std::string& flag : given) {
    if (flag.rfind(info->flag_prefix, 0) == 0) continue;
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
  if (ssl_weight == 0 && ssl_projector > 0) {
    throw UsageError("is for the instance term: give --ssl-weight too", "--ssl-projector");
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
}

TripletMining parse_triplet_mining(const std::string& name, const std::string& flag) {
  if (name == "hard") return TripletMining::Hard;
  if (name == "semi-hard") return TripletMining::SemiHard;
  if (name == "easy") return TripletMining::Easy;
  if (name == "all") return TripletMining::All;
  throw UsageError("unknown mining '" + name + "' (valid: hard, semi-hard, easy, all)", flag);
}

}  // namespace sim
