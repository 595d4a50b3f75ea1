#include "train/losses/loss_interface.hpp"

#include <cmath>
#include <sstream>

#include "base/error.hpp"
#include "train/losses/loss_implementations.hpp"

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

void LossConfig::add_to(CLI::App& app) {
  app.add_option("--loss", name, "Training loss: " + joined_names() + " (see the man page)")
      ->capture_default_str()
      ->check(CLI::IsMember(loss_names()));

  // Each knob records that it was given, so validate() can refuse one meant for another loss.
  const auto knob = [&](const char* flag, auto& field, const std::string& help) {
    return app.add_option(flag, field, help)->capture_default_str()->each([this, flag](const std::string&) {
      given.insert(flag);
    });
  };
  const auto flag_knob = [&](const char* flag, bool& field, const std::string& help) {
    return app.add_flag(flag, field, help)->each([this, flag](const std::string&) { given.insert(flag); });
  };

  knob("--ms-alpha", ms_alpha, "multi_similarity: scale of the positive pairs (alpha)");
  knob("--ms-beta", ms_beta, "multi_similarity: scale of the negative pairs (beta)");
  knob("--ms-base", ms_base, "multi_similarity: similarity threshold (lambda); similarity = 1 - distance");
  knob("--ms-epsilon", ms_epsilon, "multi_similarity: pair-mining margin, in similarity units");

  CLI::Option* triplet_margin_opt =
      knob("--triplet-margin", triplet_margin, "triplet: margin between positive and negative distances");
  knob("--triplet-mining", triplet_mining, "triplet: which triplets: hard, semi-hard, easy (easy positive), all")
      ->check(CLI::IsMember({"hard", "semi-hard", "easy", "all"}));
  flag_knob("--triplet-soft", triplet_soft, "triplet: soft margin log(1 + exp(d_ap - d_an)) instead of the hinge")
      ->excludes(triplet_margin_opt);

  CLI::Option* pn_margin_opt = knob("--pn-margin", pn_margin, "pn: margin");
  knob("--pn-mining", pn_mining, "pn: which triplets: hard, semi-hard, easy (easy positive)")
      ->check(CLI::IsMember({"hard", "semi-hard", "easy"}));
  flag_knob("--pn-soft", pn_soft, "pn: soft margin instead of the hinge")->excludes(pn_margin_opt);

  knob("--circle-m", circle_m, "circle: relaxation margin m, in [0, 1)");
  knob("--circle-gamma", circle_gamma, "circle: scale gamma");

  knob("--snn-temperature", snn_temperature, "soft_nn: temperature of exp(-distance / T)");

  knob("--contrastive-pos-margin", contrastive_pos_margin,
       "contrastive: positive pairs farther than this distance are penalised");
  knob("--contrastive-neg-margin", contrastive_neg_margin,
       "contrastive: negative pairs closer than this distance are penalised");

  knob("--arcface-margin", arcface_margin, "arcface: additive angular margin, radians (0.5 = 28.6 degrees)");
  knob("--arcface-scale", arcface_scale, "arcface: logit scale s");
  knob("--cosface-margin", cosface_margin, "cosface: additive cosine margin");
  knob("--cosface-scale", cosface_scale, "cosface: logit scale s");

  knob("--ntxent-temperature", ntxent_temperature, "ntxent: softmax temperature");
}

void LossConfig::validate(Distance distance) const {
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

std::shared_ptr<Loss> make_loss(const LossConfig& c, Distance distance, int64_t embedding_dim, int64_t num_classes) {
  c.validate(distance);
  const auto proxies = [&]() {
    if (num_classes < 1 || embedding_dim < 1) {
      throw UsageError("--loss " + c.name +
                           " learns one proxy per class and needs at least one class and one "
                           "embedding dimension (got " +
                           std::to_string(num_classes) + " classes, dimension " + std::to_string(embedding_dim) + ")",
                       "--loss");
    }
  };
  const std::string& n = c.name;
  if (n == "multi_similarity") {
    return std::make_shared<MultiSimilarityLoss>(distance, c.ms_alpha, c.ms_beta, c.ms_base, c.ms_epsilon);
  }
  if (n == "triplet") {
    return std::make_shared<TripletLoss>(distance, c.triplet_margin,
                                         parse_triplet_mining(c.triplet_mining, "--triplet-mining"), c.triplet_soft);
  }
  if (n == "pn") {
    return std::make_shared<PnLoss>(distance, c.pn_margin, parse_triplet_mining(c.pn_mining, "--pn-mining"), c.pn_soft);
  }
  if (n == "circle") return std::make_shared<CircleLoss>(distance, c.circle_m, c.circle_gamma);
  if (n == "soft_nn") return std::make_shared<SoftNearestNeighborLoss>(distance, c.snn_temperature);
  if (n == "contrastive") {
    return std::make_shared<ContrastiveLoss>(distance, c.contrastive_pos_margin, c.contrastive_neg_margin);
  }
  if (n == "arcface") {
    proxies();
    return std::make_shared<ArcFaceLoss>(distance, num_classes, embedding_dim, c.arcface_margin, c.arcface_scale);
  }
  if (n == "cosface") {
    proxies();
    return std::make_shared<CosFaceLoss>(distance, num_classes, embedding_dim, c.cosface_margin, c.cosface_scale);
  }
  if (n == "ntxent") return std::make_shared<NtXentLoss>(distance, c.ntxent_temperature);
  // validate() accepted the name, so it is in kLosses but has no case above: a bug here.
  throw Error("", "--loss", "loss '" + n + "' is listed but not built");
}

}  // namespace sim
