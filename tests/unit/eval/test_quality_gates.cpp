#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>

#include "base/error.hpp"
#include "eval/quality_gates.hpp"
#include "test_util.hpp"

using sim::test::error_of;

TEST_CASE("gates: parsing") {
  const auto g = sim::parse_gates("precision@1=0.9,MAP@R>=0.6");
  REQUIRE(g.size() == 2);
  CHECK(g[0].figure == "precision@1");
  CHECK(g[0].minimum == doctest::Approx(0.9));
  CHECK(g[1].figure == "map@r");  // case-insensitive
  CHECK(error_of<sim::UsageError>([] { sim::parse_gates("precision@1"); }).find("NAME=MINIMUM") != std::string::npos);
  CHECK(error_of<sim::UsageError>([] { sim::parse_gates("map@r=high"); }).find("'high'") != std::string::npos);
  CHECK(error_of<sim::UsageError>([] { sim::parse_gates("=0.5"); }).find("--fail-under") != std::string::npos);
}

TEST_CASE("gates: minimums name the figure that failed") {
  const std::map<std::string, double> figures{{"precision@1", 0.85}, {"map@r", 0.7}};
  sim::check_minimums(figures, sim::parse_gates("precision@1=0.85,map@r=0.6"));  // equal passes
  const std::string e =
      error_of<sim::GateError>([&] { sim::check_minimums(figures, sim::parse_gates("precision@1=0.9")); });
  CHECK(e.find("precision@1 is 0.8500, below 0.9000") != std::string::npos);
  const std::string unknown =
      error_of<sim::UsageError>([&] { sim::check_minimums(figures, sim::parse_gates("p@1=0.9")); });
  CHECK(unknown.find("there is no figure 'p@1'") != std::string::npos);
  CHECK(unknown.find("map@r, precision@1") != std::string::npos);
  try {
    sim::check_minimums(figures, sim::parse_gates("map@r=0.9"));
    FAIL("no gate error");
  } catch (const sim::GateError& g) {
    CHECK(g.exit_code() == sim::kExitGate);
    CHECK(g.field() == "map@r");
  }
}

TEST_CASE("gates: baseline drops") {
  const std::map<std::string, double> old{{"precision@1", 0.90}, {"map@r", 0.70}, {"gone", 1.0}};
  const std::map<std::string, double> now{{"precision@1", 0.895}, {"map@r", 0.65}};
  CHECK(sim::check_baseline(now, old, 0.06, "old.json") == 2);
  const std::string e = error_of<sim::GateError>([&] { sim::check_baseline(now, old, 0.01, "old.json"); });
  CHECK(e.find("map@r fell from 0.7000 to 0.6500") != std::string::npos);
  CHECK(e.find("precision@1") == std::string::npos);  // dropped 0.005 only
  CHECK(e.find("old.json") != std::string::npos);
  CHECK(error_of<sim::FormatError>([&] {
          sim::check_baseline(now, {{"x", 1}}, 0, "old.json");
        }).find("no figure in common") != std::string::npos);
}

TEST_CASE("a gate never passes on a figure it cannot judge") {
  const double nan = std::nan("");
  CHECK_THROWS_AS(sim::check_minimums({{"map@r", nan}}, {{"map@r", 0.5}}), sim::GateError);
  CHECK_THROWS_AS(sim::check_baseline({{"map@r", nan}}, {{"map@r", 0.5}}, 1.0, "b.json"), sim::GateError);
  CHECK_THROWS_AS(sim::check_baseline({{"map@r", 0.5}}, {{"map@r", nan}}, 1.0, "b.json"), sim::GateError);
  CHECK_THROWS_AS(sim::check_baseline({{"map@r", 0.5}}, {{"map@r", 0.5}}, nan, "b.json"), sim::UsageError);
  CHECK(sim::check_baseline({{"map@r", 0.5}}, {{"map@r", 0.5}}, 0.0, "b.json") == 1);
}
