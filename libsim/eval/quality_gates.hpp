// sim-eval's CI gates: minimum figures (--fail-under) and largest drops against a baseline
// (--baseline old.json --max-drop D). Figures are eval_output.hpp's named figures.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sim {

// A figure name as figures are keyed and compared: lower-cased ("MAP@R" and "map@r" are one).
std::string figure_key(std::string name);

struct MinimumGate {
  std::string figure;  // lower-cased
  double minimum = 0;
};

// "precision@1=0.9,map@r=0.6" (also ">=" instead of "="). Throws UsageError naming --fail-under
// for a malformed entry.
std::vector<MinimumGate> parse_gates(const std::string& spec);

// Throws GateError (exit 3) naming every figure below its minimum, UsageError naming a figure
// that does not exist (with the names that do).
void check_minimums(const std::map<std::string, double>& figures, const std::vector<MinimumGate>& gates);

// Throws GateError naming every figure that fell by more than `max_drop` from `baseline`
// (figures present in both; `baseline_file` named in the message). Returns how many were compared;
// throws FormatError naming the file when none was.
std::size_t check_baseline(const std::map<std::string, double>& figures, const std::map<std::string, double>& baseline,
                           double max_drop, const std::string& baseline_file);

}  // namespace sim
