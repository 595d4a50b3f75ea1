#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>
#include <vector>

#include "eval/threshold_sweep.hpp"

namespace {

const float kNone = std::numeric_limits<float>::infinity();

// Six decisions worked by hand: 3 correct at 0.1, 0.2, 0.4; wrong at 0.2 (a tie with a correct
// one), 0.5, and one query without any labelled neighbour.
std::vector<sim::MatchOutcome> hand_case() {
  return {{0.1f, true}, {0.2f, false}, {0.2f, true}, {0.4f, true}, {kNone, false}, {0.5f, false}};
}

}  // namespace

TEST_CASE("the sweep, point by point") {
  const auto curve = sim::sweep_thresholds(hand_case());
  REQUIRE(curve.size() == 4);  // 0.1, 0.2 (both tied decisions at once), 0.4, 0.5
  CHECK(curve[0].threshold == doctest::Approx(0.1));
  CHECK(curve[0].tp == 1);
  CHECK(curve[0].fp == 0);
  CHECK(curve[0].fn == 2);
  CHECK(curve[0].tn == 3);
  CHECK(curve[0].precision == 1.0);
  CHECK(curve[0].recall == doctest::Approx(1.0 / 3.0));
  CHECK(curve[0].f1 == doctest::Approx(0.5));
  CHECK(curve[0].accuracy == doctest::Approx(4.0 / 6.0));
  CHECK(curve[0].false_positive_rate == 0.0);

  CHECK(curve[1].tp == 2);
  CHECK(curve[1].fp == 1);
  CHECK(curve[1].precision == doctest::Approx(2.0 / 3.0));
  CHECK(curve[1].false_positive_rate == doctest::Approx(1.0 / 3.0));

  CHECK(curve[2].threshold == doctest::Approx(0.4));
  CHECK(curve[2].precision == doctest::Approx(0.75));
  CHECK(curve[2].recall == 1.0);
  CHECK(curve[2].f1 == doctest::Approx(6.0 / 7.0));
  CHECK(curve[2].accuracy == doctest::Approx(5.0 / 6.0));

  CHECK(curve[3].fp == 2);
  CHECK(curve[3].tn == 1);  // the query without a neighbour is never accepted
  CHECK(curve[3].precision == doctest::Approx(0.6));
}

TEST_CASE("classify_at agrees with the sweep between its points") {
  const auto outcomes = hand_case();
  const sim::ThresholdPoint p = sim::classify_at(outcomes, 0.3);
  const auto curve = sim::sweep_thresholds(outcomes);
  CHECK(p.tp == curve[1].tp);
  CHECK(p.fp == curve[1].fp);
  CHECK(p.fn == curve[1].fn);
  CHECK(p.tn == curve[1].tn);
  CHECK(sim::classify_at(outcomes, 0.0).tp == 0);  // below every distance: nothing accepted
  CHECK(sim::classify_at(outcomes, 0.0).fn == 3);
}

TEST_CASE("calibration: best F1 and target precisions") {
  const auto curve = sim::sweep_thresholds(hand_case());
  const auto t = sim::calibrate(curve, {0.9, 0.7, 1.0});
  REQUIRE(t.size() == 4);
  CHECK(t[0].name == "optimal");
  CHECK(t[0].reached);
  CHECK(t[0].point.threshold == doctest::Approx(0.4));
  CHECK(t[1].name == "precision>=0.9");
  CHECK(t[1].point.threshold == doctest::Approx(0.1));
  CHECK(t[2].name == "precision>=0.7");
  CHECK(t[2].point.threshold == doctest::Approx(0.4));  // the largest threshold still at 0.75
  CHECK(t[3].point.threshold == doctest::Approx(0.1));

  // Nothing correct at all: no target can be met.
  const auto bad = sim::calibrate(sim::sweep_thresholds({{0.1f, false}, {0.2f, false}}), {0.5});
  CHECK_FALSE(bad[1].reached);
  CHECK(bad[0].point.f1 == 0.0);
  CHECK_THROWS_AS(sim::calibrate(curve, {1.5}), std::invalid_argument);
  CHECK(sim::sweep_thresholds({{kNone, false}}).empty());
}

TEST_CASE("thinning keeps both ends") {
  std::vector<sim::MatchOutcome> many;
  for (int i = 0; i < 1000; ++i) many.push_back({float(i), i % 3 == 0});
  const auto curve = sim::sweep_thresholds(many);
  const auto thin = sim::thin_curve(curve, 10);
  REQUIRE(thin.size() == 10);
  CHECK(thin.front().threshold == curve.front().threshold);
  CHECK(thin.back().threshold == curve.back().threshold);
  CHECK(sim::thin_curve(curve, 5000).size() == curve.size());
  CHECK(sim::target_name(0.99) == "0.99");
}
