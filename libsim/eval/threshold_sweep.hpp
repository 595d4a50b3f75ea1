// Classification at a distance threshold, and calibration, as TF Similarity's calibrate().
//
// Each query has one decision (sim-query --match: the class of its nearest labelled neighbour, the
// majority of its k neighbours, or its nearest class prototype; search/matching.hpp Matcher) made
// at the deciding distance (to that neighbour or prototype). It is *correct* when that class is the query's own. At threshold t the decision is
// accepted when distance <= t, otherwise the answer is "unknown":
//   TP = accepted and correct      FP = accepted and wrong
//   FN = rejected but correct      TN = rejected and wrong (e.g. a class the index does not hold)
//   precision = TP / (TP + FP)     recall = TP / (TP + FN)     F1 = 2PR / (P + R)
//   accuracy = (TP + TN) / all     false-positive rate = FP / (FP + TN)
// (a ratio with a zero denominator is 0). A query without any labelled neighbour is never accepted.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sim {

struct MatchOutcome {
  float distance = 0;  // of the deciding neighbour; +infinity when there is none
  bool correct = false;
};

struct ThresholdPoint {
  double threshold = 0;
  std::size_t tp = 0, fp = 0, fn = 0, tn = 0;
  double precision = 0, recall = 0, f1 = 0, accuracy = 0, false_positive_rate = 0;
};

// The counts and ratios at threshold t.
ThresholdPoint classify_at(const std::vector<MatchOutcome>& outcomes, double threshold);

// The whole range: one point per distinct finite distance, ascending, each accepting every
// decision at or below it. Queries at equal distances are accepted together (no threshold can
// separate them). Empty when no decision has a finite distance. O(n log n).
std::vector<ThresholdPoint> sweep_thresholds(const std::vector<MatchOutcome>& outcomes);

// At most `max_points` points of a sweep, evenly spread over it, the first and last included (for
// JSON and plots; calibration uses the full sweep).
std::vector<ThresholdPoint> thin_curve(const std::vector<ThresholdPoint>& curve, std::size_t max_points);

struct CalibratedThreshold {
  std::string name;      // "optimal" or "precision>=0.9"
  double target = 0;     // the target precision (0 for "optimal")
  bool reached = false;  // false: no threshold meets the target (point is meaningless)
  ThresholdPoint point;
};

// "optimal": the threshold with the highest F1 (the smallest of equals). For each target precision
// p, "precision>=p": the largest threshold (so the highest recall) whose precision is at least p.
// Targets must be in (0, 1] (std::invalid_argument otherwise).
std::vector<CalibratedThreshold> calibrate(const std::vector<ThresholdPoint>& curve,
                                           const std::vector<double>& target_precisions);

// "precision>=0.9": the shortest decimal that reads back as `target`.
std::string target_name(double target);

}  // namespace sim
