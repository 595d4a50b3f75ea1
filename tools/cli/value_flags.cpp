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

}  // namespace sim
