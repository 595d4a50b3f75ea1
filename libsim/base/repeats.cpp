#include "base/repeats.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>

namespace sim {

const std::string* find_repeat(const std::vector<std::string>& values) {
  std::vector<std::pair<std::size_t, std::size_t>> keyed(values.size());  // (hash, position)
  const std::hash<std::string_view> hash;
  for (std::size_t i = 0; i < values.size(); ++i) keyed[i] = {hash(values[i]), i};
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::size_t> same_hash;  // positions
  for (std::size_t run = 0, end = 0; run < keyed.size(); run = end) {
    for (end = run + 1; end < keyed.size() && keyed[end].first == keyed[run].first;) ++end;
    if (end - run == 1) continue;
    same_hash.clear();
    for (std::size_t k = run; k < end; ++k) same_hash.push_back(keyed[k].second);
    std::sort(same_hash.begin(), same_hash.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    const auto repeat = std::adjacent_find(same_hash.begin(), same_hash.end(),
                                           [&](std::size_t a, std::size_t b) { return values[a] == values[b]; });
    if (repeat != same_hash.end()) return &values[*repeat];
  }
  return nullptr;
}

}  // namespace sim
