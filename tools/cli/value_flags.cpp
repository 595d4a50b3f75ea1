#include "cli/value_flags.hpp"

#include <algorithm>

#include "base/error.hpp"

namespace sim {

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
