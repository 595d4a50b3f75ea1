#include "base/repeats.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

namespace sim {
namespace {

// Sorts 64-bit keys by 16 bits a pass (four passes), least significant first. For a million ids
// a tenth of std::sort's time; below a few thousand, std::sort is as quick.
void sort_keys(std::vector<std::uint64_t>& keys) {
  if (keys.size() < 4096) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  std::vector<std::uint64_t> other(keys.size());
  std::vector<std::size_t> counts(std::size_t(1) << 16);
  for (int shift = 0; shift < 64; shift += 16) {
    std::fill(counts.begin(), counts.end(), 0);
    for (const std::uint64_t k : keys) ++counts[(k >> shift) & 0xffff];
    std::size_t start = 0;
    for (std::size_t& c : counts) start += std::exchange(c, start);
    for (const std::uint64_t k : keys) other[counts[(k >> shift) & 0xffff]++] = k;
    keys.swap(other);
  }
}

// Among the strings whose hash is one of `shared` (sorted): one that appears twice, or nullptr.
const std::string* repeat_among(const std::vector<std::string>& values, const std::vector<std::uint64_t>& hashes,
                                const std::vector<std::uint64_t>& shared) {
  std::vector<std::pair<std::uint64_t, std::size_t>> keyed;  // (hash, position), for those hashes only
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::binary_search(shared.begin(), shared.end(), hashes[i])) keyed.emplace_back(hashes[i], i);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::size_t> same_hash;  // positions
  for (std::size_t run = 0, end = 0; run < keyed.size(); run = end) {
    for (end = run + 1; end < keyed.size() && keyed[end].first == keyed[run].first;) ++end;
    same_hash.clear();
    for (std::size_t k = run; k < end; ++k) same_hash.push_back(keyed[k].second);
    std::sort(same_hash.begin(), same_hash.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    const auto repeat = std::adjacent_find(same_hash.begin(), same_hash.end(),
                                           [&](std::size_t a, std::size_t b) { return values[a] == values[b]; });
    if (repeat != same_hash.end()) return &values[*repeat];
  }
  return nullptr;
}

}  // namespace

const std::string* find_repeat(const std::vector<std::string>& values) {
  std::vector<std::uint64_t> hashes(values.size());
  const std::hash<std::string_view> hash;
  for (std::size_t i = 0; i < values.size(); ++i) hashes[i] = hash(values[i]);
  std::vector<std::uint64_t> sorted = hashes;
  sort_keys(sorted);
  std::vector<std::uint64_t> shared;  // hashes held by more than one string: a repeat, or a collision
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i] == sorted[i - 1] && (shared.empty() || shared.back() != sorted[i])) shared.push_back(sorted[i]);
  }
  return shared.empty() ? nullptr : repeat_among(values, hashes, shared);
}

}  // namespace sim
