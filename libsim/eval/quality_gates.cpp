#include "eval/quality_gates.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "base/error.hpp"

namespace sim {
namespace {

std::string four_decimals(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string names_of(const std::map<std::string, double>& figures) {
  std::string s;
  for (const auto& [name, value] : figures) s += (s.empty() ? "" : ", ") + name;
  return s;
}

}  // namespace

std::string figure_key(std::string name) {
  for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::vector<MinimumGate> parse_gates(const std::string& spec) {
  std::vector<MinimumGate> gates;
  std::size_t at = 0;
  while (at <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', at), spec.size());
    const std::string entry = spec.substr(at, comma - at);
    at = comma + 1;
    const std::size_t eq = entry.find('=');
    const std::size_t name_end = eq != std::string::npos && eq > 0 && entry[eq - 1] == '>' ? eq - 1 : eq;
    if (eq == std::string::npos || name_end == 0) {
      throw UsageError("'" + entry + "' is not NAME=MINIMUM (e.g. precision@1=0.9)", "--fail-under");
    }
    MinimumGate g;
    g.figure = figure_key(entry.substr(0, name_end));
    const std::string value = entry.substr(eq + 1);
    try {
      std::size_t used = 0;
      g.minimum = std::stod(value, &used);
      if (used != value.size() || !std::isfinite(g.minimum)) throw std::invalid_argument(value);
    } catch (const std::exception&) {
      throw UsageError("'" + value + "' in '" + entry + "' is not a number", "--fail-under");
    }
    gates.push_back(g);
  }
  return gates;
}

void check_minimums(const std::map<std::string, double>& figures, const std::vector<MinimumGate>& gates) {
  std::string failed, first;
  for (const MinimumGate& g : gates) {
    const auto it = figures.find(g.figure);
    if (it == figures.end()) {
      throw UsageError("there is no figure '" + g.figure + "' (there are: " + names_of(figures) + ")", "--fail-under");
    }
    if (!(it->second >= g.minimum)) {  // a NaN figure fails: it cannot be judged
      if (first.empty()) first = g.figure;
      failed += std::string(failed.empty() ? "" : "; ") + g.figure + " is " + four_decimals(it->second) + ", below " +
                four_decimals(g.minimum);
    }
  }
  if (!failed.empty()) throw GateError(first, "quality gate failed: " + failed);
}

std::size_t check_baseline(const std::map<std::string, double>& figures, const std::map<std::string, double>& baseline,
                           double max_drop, const std::string& baseline_file) {
  std::string failed, first;
  std::size_t compared = 0;
  for (const auto& [name, old_value] : baseline) {
    const auto it = figures.find(name);
    if (it == figures.end()) continue;
    ++compared;
    const double drop = old_value - it->second;
    if (!(drop <= max_drop)) {  // NaN anywhere (figure, baseline, max_drop) fails: it cannot be judged
      if (first.empty()) first = name;
      failed += std::string(failed.empty() ? "" : "; ") + name + " fell from " + four_decimals(old_value) + " to " +
                four_decimals(it->second) + " (drop " + four_decimals(drop) + " > " + four_decimals(max_drop) + ")";
    }
  }
  if (!std::isfinite(max_drop) || max_drop < 0) {
    throw UsageError("is " + four_decimals(max_drop) + ", not a finite number >= 0", "--max-drop");
  }
  if (compared == 0) throw FormatError(baseline_file, "metrics", "has no figure in common with this evaluation");
  if (!failed.empty()) throw GateError(first, "worse than baseline " + baseline_file + ": " + failed);
  return compared;
}

}  // namespace sim
