#include "eval/threshold_sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sim {
namespace {

double ratio(std::size_t num, std::size_t den) { return den == 0 ? 0.0 : double(num) / double(den); }

void fill_ratios(ThresholdPoint& p) {
  p.precision = ratio(p.tp, p.tp + p.fp);
  p.recall = ratio(p.tp, p.tp + p.fn);
  p.f1 = p.precision + p.recall > 0 ? 2 * p.precision * p.recall / (p.precision + p.recall) : 0.0;
  p.accuracy = ratio(p.tp + p.tn, p.tp + p.fp + p.fn + p.tn);
  p.false_positive_rate = ratio(p.fp, p.fp + p.tn);
}

}  // namespace

ThresholdPoint classify_at(const std::vector<MatchOutcome>& outcomes, double threshold) {
  ThresholdPoint p;
  p.threshold = threshold;
  for (const MatchOutcome& o : outcomes) {
    const bool accepted = std::isfinite(o.distance) && double(o.distance) <= threshold;
    if (accepted) {
      ++(o.correct ? p.tp : p.fp);
    } else {
      ++(o.correct ? p.fn : p.tn);
    }
  }
  fill_ratios(p);
  return p;
}

std::vector<ThresholdPoint> sweep_thresholds(const std::vector<MatchOutcome>& outcomes) {
  std::vector<MatchOutcome> sorted;
  sorted.reserve(outcomes.size());
  std::size_t correct = 0;
  for (const MatchOutcome& o : outcomes) {
    if (o.correct && std::isfinite(o.distance)) ++correct;
    if (std::isfinite(o.distance)) sorted.push_back(o);
  }
  const std::size_t wrong_total = outcomes.size() - correct;
  std::sort(sorted.begin(), sorted.end(),
            [](const MatchOutcome& a, const MatchOutcome& b) { return a.distance < b.distance; });
  // Raising the threshold past each group of equal distances moves that group from rejected to
  // accepted: correct ones from FN to TP, wrong ones from TN to FP.
  std::vector<ThresholdPoint> curve;
  std::size_t tp = 0, fp = 0;
  for (std::size_t i = 0; i < sorted.size();) {
    const float d = sorted[i].distance;
    for (; i < sorted.size() && sorted[i].distance == d; ++i) ++(sorted[i].correct ? tp : fp);
    ThresholdPoint p;
    p.threshold = d;
    p.tp = tp;
    p.fp = fp;
    p.fn = correct - tp;
    p.tn = wrong_total - fp;
    fill_ratios(p);
    curve.push_back(p);
  }
  return curve;
}

std::vector<ThresholdPoint> thin_curve(const std::vector<ThresholdPoint>& curve, std::size_t max_points) {
  if (curve.size() <= max_points || max_points < 2) return curve;
  std::vector<ThresholdPoint> out;
  out.reserve(max_points);
  for (std::size_t i = 0; i < max_points; ++i) {
    out.push_back(curve[i * (curve.size() - 1) / (max_points - 1)]);
  }
  return out;
}

std::vector<CalibratedThreshold> calibrate(const std::vector<ThresholdPoint>& curve,
                                           const std::vector<double>& target_precisions) {
  std::vector<CalibratedThreshold> out;
  CalibratedThreshold best;
  best.name = "optimal";
  for (const ThresholdPoint& p : curve) {
    if (!best.reached || p.f1 > best.point.f1) {
      best.point = p;
      best.reached = true;
    }
  }
  out.push_back(best);
  for (const double target : target_precisions) {
    if (!(target > 0 && target <= 1)) {
      throw std::invalid_argument("a target precision must be in (0, 1], not " + target_name(target));
    }
    CalibratedThreshold c;
    c.name = "precision>=" + target_name(target);
    c.target = target;
    for (const ThresholdPoint& p : curve) {
      if (p.precision >= target) {  // ascending thresholds: the last one that qualifies wins
        c.point = p;
        c.reached = true;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::string target_name(double target) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, target);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(target);
}

}  // namespace sim
