#include "cli/value_flags.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "base/error.hpp"

namespace sim {

const CLI::Validator& whole_number() {
  static const CLI::Validator check(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec != std::errc() || ptr != end) {
          return "'" + text.substr(0, 40) + "' is not a whole number from 0 to 2^64-1";
        }
        return "";
      },
      "UINT");
  return check;
}

const CLI::Validator& finite_number() {
  static const CLI::Validator check(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
          return "'" + text.substr(0, 40) + "' is not a finite number";
        }
        return "";
      },
      "NUMBER");
  return check;
}

CLI::Option* add_distance_flag(CLI::App& app, Distance& distance, const std::string& help) {
  return app
      .add_option_function<std::string>(
          "--distance", [&distance](const std::string& name) { distance = parse_distance(name); }, help)
      ->default_str(std::string(to_string(distance)));
}

CLI::Option* add_distance_flag(CLI::App& app, std::optional<Distance>& distance, const std::string& help) {
  return app.add_option_function<std::string>(
      "--distance", [&distance](const std::string& name) { distance = parse_distance(name); }, help);
}

std::vector<double> parse_fractions(const std::string& list, const char* flag) {
  std::vector<double> out;
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    const std::string word = list.substr(at, comma - at);
    try {
      std::size_t used = 0;
      out.push_back(std::stod(word, &used));
      if (used != word.size()) throw std::invalid_argument(word);
    } catch (const std::exception&) {
      throw UsageError("'" + word + "' is not a number", flag);
    }
    if (!(out.back() > 0 && out.back() <= 1)) throw UsageError("'" + word + "' is not in (0, 1]", flag);
    at = comma + 1;
  }
  return out;
}

ShardSpec parse_shard(const std::string& text, const char* flag) {
  const std::size_t slash = text.find('/');
  const auto whole = [&](const std::string& word, std::size_t& out) {
    if (word.empty() || word.size() > 9 || word.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoul(word);
    return true;
  };
  ShardSpec s;
  if (slash == std::string::npos || !whole(text.substr(0, slash), s.index) || !whole(text.substr(slash + 1), s.count) ||
      s.count == 0 || s.index >= s.count) {
    throw UsageError("'" + text + "' is not a part I/N with 0 <= I < N (e.g. 0/4)", flag);
  }
  return s;
}

std::string to_string(const ShardSpec& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

}  // namespace sim
