// Flags whose text becomes a libsim value, parsed by one function wherever the flag appears, so a
// mistake gets the same message in every program (exit 2, naming the flag).
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/distance.hpp"

namespace sim {

// --distance NAME, read with parse_distance (canonical names and aliases; UsageError listing the
// valid ones). The optional form stays empty unless the flag is given.
CLI::Option* add_distance_flag(CLI::App& app, Distance& distance, const std::string& help);
CLI::Option* add_distance_flag(CLI::App& app, std::optional<Distance>& distance, const std::string& help);

// A number that is finite: refuses "nan", "inf" and what strtod does not read whole. Checked before
// any range, because CLI11's Range and PositiveNumber let NaN through (every comparison with NaN is
// false) and --lr nan or --max-drop nan would reach the work (or pass every gate).
const CLI::Validator& finite_number();

// A whole number from 0 to 2^64-1, exactly as typed: CLI11 2.1 quietly wraps "-1" into an unsigned
// (2^64-1, which --per-class reads as "all") and takes "1e3" or "12abc" in some options.
const CLI::Validator& whole_number();

// "0.9,0.99": comma-separated numbers in (0, 1]. Throws UsageError naming `flag`.
std::vector<double> parse_fractions(const std::string& list, const char* flag);

// "I/N": part I of N (0 <= I < N), as sim-embed --shard takes it.
struct ShardSpec {
  std::size_t index = 0, count = 1;
};
// Throws UsageError naming `flag` for anything but two whole numbers with 0 <= I < N.
ShardSpec parse_shard(const std::string& text, const char* flag);
std::string to_string(const ShardSpec& shard);  // "I/N"

}  // namespace sim
