#include "search/index.hpp"

#include <string>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace sim {

std::string_view to_string(IndexType type) { return type == IndexType::Hnsw ? "hnsw" : "exact"; }

SearchResult::SearchResult(std::size_t queries, std::size_t slots)
    : nq(queries),
      k(slots),
      positions(queries * slots, -1),
      distances(queries * slots, std::numeric_limits<float>::infinity()) {}

std::size_t SearchResult::found(std::size_t q) const {
  std::size_t n = 0;
  while (n < k && positions[q * k + n] >= 0) ++n;
  return n;
}

SearchResult merge_topk(const std::vector<const SearchResult*>& shards, const std::vector<std::int64_t>& offsets,
                        std::size_t k) {
  if (offsets.size() != shards.size()) throw std::invalid_argument("merge_topk: one offset per shard");
  const std::size_t nq = shards.empty() ? 0 : shards.front()->nq;
  for (const SearchResult* s : shards) {
    if (s->nq != nq) throw std::invalid_argument("merge_topk: shards answered different numbers of queries");
  }
  SearchResult merged(nq, k);
  std::vector<std::pair<float, std::int64_t>> pool;
  for (std::size_t q = 0; q < nq; ++q) {
    pool.clear();
    for (std::size_t s = 0; s < shards.size(); ++s) {
      for (std::size_t j = 0, n = shards[s]->found(q); j < n; ++j) {
        pool.emplace_back(shards[s]->distance(q, j), shards[s]->position(q, j) + offsets[s]);
      }
    }
    // Each shard's list is its own exact top k, so the global top k is among them: a partial sort
    // by (distance, position) is the whole merge.
    const std::size_t take = std::min(k, pool.size());
    std::partial_sort(pool.begin(), pool.begin() + std::ptrdiff_t(take), pool.end());
    for (std::size_t j = 0; j < take; ++j) {
      merged.distances[q * k + j] = pool[j].first;
      merged.positions[q * k + j] = pool[j].second;
    }
  }
  return merged;
}

void Index::require_position(std::size_t position, const char* caller) const {
  if (position >= size()) throw std::out_of_range(std::string(caller) + ": no such position");
}

void Index::require_range(std::size_t first, std::size_t n, const char* caller) const {
  if (first > size() || n > size() - first) throw std::out_of_range(std::string(caller) + ": no such positions");
}

void Index::require_deletable(std::size_t position, const char* caller) const {
  require_position(position, caller);
  if (deleted_[position]) throw std::invalid_argument(std::string(caller) + ": already deleted");
}

void Index::record_deleted(std::size_t position) {
  deleted_[position] = 1;
  ++deleted_count_;
  changed();
}

void Index::record_replaced(std::size_t position) {
  if (deleted_[position]) {
    deleted_[position] = 0;
    --deleted_count_;
  }
  changed();
}

void Index::reset_positions(std::vector<std::uint8_t> deleted) {
  deleted_ = std::move(deleted);
  deleted_count_ = std::size_t(std::count_if(deleted_.begin(), deleted_.end(), [](std::uint8_t f) { return f != 0; }));
}

}  // namespace sim
