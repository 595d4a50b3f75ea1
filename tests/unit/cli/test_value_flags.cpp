// The validators every numeric flag goes through: CLI11's own Range and PositiveNumber let NaN
// through, and its unsigned conversion wraps "-1" into 2^64-1.
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "cli/value_flags.hpp"

namespace {

// The error CLI11 reports for `--x VALUE`, "" when the value is accepted.
template <typename T>
std::string parse_error(const CLI::Validator& check, const std::string& value) {
  CLI::App app;
  T target{};
  app.add_option("--x", target)->check(check);
  try {
    app.parse(std::vector<std::string>{value, "--x"});  // CLI11 takes the arguments reversed
    return "";
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("finite_number refuses NaN, infinity, overflow, junk and nothing") {
  for (const char* bad : {"nan", "NaN", "-nan", "inf", "-inf", "infinity", "1e400", "0.5x", "", " "}) {
    CAPTURE(bad);
    CHECK(parse_error<double>(sim::finite_number(), bad).find("is not a finite number") != std::string::npos);
  }
  for (const char* good : {"0", "-0.5", "1e-30", "3.25", "1e30"}) {
    CAPTURE(good);
    CHECK(parse_error<double>(sim::finite_number(), good).empty());
  }
}

TEST_CASE("whole_number refuses negative, fractional and out-of-range counts exactly as typed") {
  for (const char* bad : {"-1", "-0", "1.5", "1e3", "12abc", "18446744073709551616", "", "+3"}) {
    CAPTURE(bad);
    CHECK(parse_error<std::uint64_t>(sim::whole_number(), bad).find("is not a whole number") != std::string::npos);
  }
  CHECK(parse_error<std::uint64_t>(sim::whole_number(), "18446744073709551615").empty());
  CHECK(parse_error<std::uint64_t>(sim::whole_number(), "0").empty());
}
